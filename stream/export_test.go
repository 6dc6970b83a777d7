package stream

// HeldRecords exports heldRecords to the external tests.
var HeldRecords = heldRecords
