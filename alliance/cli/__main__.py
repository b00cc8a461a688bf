"""`python -m alliance.cli ...` runs the `alliance` command."""
from . import main

main()
