package connectors

// RelayQuery signs a relay request (the tests forge and age them).
var RelayQuery = relayQuery
