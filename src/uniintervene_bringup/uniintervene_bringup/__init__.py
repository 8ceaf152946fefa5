"""Launch files, parameters, RViz and the uniintervene command line."""
