"""Policy FAQ retrieval: text normalisation, the index, and the three-tier matcher."""
