//! A small OpenID provider for the sign-in tests (coming with Google sign-in).
