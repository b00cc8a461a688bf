"""Publishing: turning a book's Pandoc Markdown into HTML for pages, and (later) into editions."""
