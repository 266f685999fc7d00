//! Google sign-in tests (coming with Google sign-in).
