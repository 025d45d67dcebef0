"""Helper programs started by the tests in their own processes."""
