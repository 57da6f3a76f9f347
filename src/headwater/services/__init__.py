"""One module per AWS service: operations as plain Python methods."""
