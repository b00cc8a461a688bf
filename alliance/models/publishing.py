"""Export jobs and editions (issue 6). Owned by the publishing area."""
