//! Keyset pages of newest-first lists (jobs, audit entries, webhook deliveries): a page and, when
//! more follow, where the next one starts. The store is asked for one more than the page holds,
//! so "is there more?" costs no second query.

pub use sala_store::Before;

/// At most a page of items, and the key of the last one when more follow.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Before>,
}

/// Cuts what the store returned for `limit + 1` to a page of `limit`.
pub fn page_of<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> Before) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = items.len() > limit;
    items.truncate(limit);
    let next = if more { items.last().map(key) } else { None };
    Page { items, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: &i64) -> Before {
        Before { at: *n, id: uuid::Uuid::nil() }
    }

    #[test]
    fn a_page_knows_whether_more_follow() {
        let full = page_of(vec![5, 4, 3], 2, key);
        assert_eq!((full.items, full.next.map(|b| b.at)), (vec![5, 4], Some(4)));
        let last = page_of(vec![2, 1], 2, key);
        assert_eq!((last.items, last.next), (vec![2, 1], None));
        assert!(page_of(Vec::<i64>::new(), 2, key).next.is_none());
    }
}
