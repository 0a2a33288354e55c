package postgres

// The test helpers of setup_test.go, for the tests of package postgres_test.
var (
	NewSchema    = newSchema
	SchemaConfig = schemaConfig
	OpenIn       = openIn
)
