"""Python stand-ins for the Lambda functions that bundled scenarios name."""
