"""A ZGW API server of the project's own (Zaken API 1.5 and Catalogi API 1.3, as VNG publishes
them): the fake organisation that MijnOverheid's ZGW connector is tested against. It follows the
published OpenAPI documents where the connector reads them (field names, URLs as identifiers,
the paging shape, JWT-ZGW authentication, `Accept-Crs`, problem+json `Fout` answers); the
connector, not this server, is what is under test."""
