//! Personal data: masking, photo sharing, the audit trail and data rights.
