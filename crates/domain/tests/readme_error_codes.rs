//! The README's error-code table lists exactly the codes of `ErrorCode`: a new code is documented
//! before it ships, and a code that is gone leaves the table.

use sala_domain::ErrorCode;
use std::collections::BTreeSet;

#[test]
fn the_readme_lists_every_error_code_and_no_other() {
    let readme = include_str!("../../../README.md");
    let start = readme.find("### Error codes").expect("the README has an error-code table");
    let section = &readme[start..];
    let end = section[4..].find("\n#").map_or(section.len(), |at| at + 4);
    let listed: BTreeSet<&str> = section[..end]
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .collect();
    let codes: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let missing: Vec<_> = codes.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&codes).collect();
    assert!(missing.is_empty() && extra.is_empty(), "not in the README: {missing:?}; in the README only: {extra:?}");
}
