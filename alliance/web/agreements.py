"""Pages: agreements."""
from flask import Blueprint

bp = Blueprint("agreements", __name__)
