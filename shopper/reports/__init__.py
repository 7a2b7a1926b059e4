"""PDF reports: plain data, HTML templates, WeasyPrint."""
