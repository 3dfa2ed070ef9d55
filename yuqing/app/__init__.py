"""The composition root: the one package that reads settings and builds the concrete parts."""
