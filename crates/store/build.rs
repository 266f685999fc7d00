//! `sqlx::migrate!` embeds the migrations at compile time; a new migration file must rebuild the
//! crate (as `sqlx migrate build-script` sets up), or a binary would run without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
