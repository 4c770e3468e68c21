//! Listing a paged list in two sequential round trips, whatever its size:
//! the first page says how many pages there are (a total, a last page
//! number, a `Link: rel="last"`), and every other page is then fetched
//! concurrently, at most [`PAGE_CONCURRENCY`] at a time. Only a provider
//! that offers nothing but a cursor (`next` only) must follow it page by
//! page (docs/PERFORMANCE.md lists which ones).
//!
//! A client using this keeps its own request code (URL, retries, the
//! [`ListBudget`](super::http::ListBudget) charge, decoding) in the `fetch`
//! closure; this module only decides which pages to ask for and in what
//! order their items are kept:
//!
//! ```ignore
//! let first = self.fetch_page(1).await?;            // round trip 1
//! let mut keys = Unique::default();
//! keys.extend(first.items, |item| Some(item.id.clone()));
//! let rest = pages_after_first(first.last_page, MAX_PAGES, "GitLab")?;
//! fetch_in_order(rest, |page| self.fetch_page(page), |_, page| {
//!     keys.extend(page.items, |item| Some(item.id.clone()));
//!     Ok(())
//! })
//! .await?;                                           // round trip 2
//! ```

use std::collections::HashSet;
use std::future::Future;
use std::ops::RangeInclusive;

use futures::{StreamExt, TryStreamExt};
use reqwest::Url;

use super::error::{ApiError, ApiErrorKind};

/// Pages of one list fetched at once after the first one. With it a list
/// of up to nine pages (900 keys at GitHub's and HCP Terraform's 100 a
/// page, 9,000 at Gcore's 1,000) takes two round trips; a longer one keeps
/// eight requests in flight until done. No provider sees more than eight
/// requests at once from one listing, well under the documented rate
/// limits (HCP Terraform: 30 a second).
pub const PAGE_CONCURRENCY: usize = 8;

/// The page numbers after the first of a list whose first page named
/// `last_page` as its last (1 or less: nothing more to fetch). More than
/// `max_pages` pages is refused, naming `provider`: a server claiming a
/// million pages would otherwise be asked for them.
pub fn pages_after_first(
    last_page: u64,
    max_pages: u64,
    provider: &str,
) -> Result<RangeInclusive<u64>, ApiError> {
    if last_page > max_pages {
        return Err(ApiError::new(
            ApiErrorKind::MalformedResponse,
            format!(
                "{provider} says the list has {last_page} pages, more than the {max_pages} Keyfleet reads; the list was not loaded."
            ),
        ));
    }
    // An empty range when there is one page (or the server said 0).
    Ok(2..=last_page.max(1))
}

/// Fetches every page of `pages` with `fetch`, at most
/// [`PAGE_CONCURRENCY`] at once, and hands each to `take` in the order of
/// `pages` as soon as it and every page before it arrived, so only the
/// pages in flight are held, never the whole list. The first error (from
/// `fetch` or `take`) ends the listing; the pages still in flight are
/// dropped, which cancels their requests.
pub async fn fetch_in_order<K, P, F, Fut>(
    pages: impl IntoIterator<Item = K>,
    fetch: F,
    take: impl FnMut(K, P) -> Result<(), ApiError>,
) -> Result<(), ApiError>
where
    K: Clone,
    F: FnMut(K) -> Fut,
    Fut: Future<Output = Result<P, ApiError>>,
{
    fetch_in_order_at_most(PAGE_CONCURRENCY, pages, fetch, take).await
}

/// [`fetch_in_order`] with at most `concurrency` pages in flight (at least
/// one), for a provider whose rate limit wants fewer than
/// [`PAGE_CONCURRENCY`] (DigitalOcean allows 10 listings a minute).
pub async fn fetch_in_order_at_most<K, P, F, Fut>(
    concurrency: usize,
    pages: impl IntoIterator<Item = K>,
    mut fetch: F,
    mut take: impl FnMut(K, P) -> Result<(), ApiError>,
) -> Result<(), ApiError>
where
    K: Clone,
    F: FnMut(K) -> Fut,
    Fut: Future<Output = Result<P, ApiError>>,
{
    let mut pages = std::pin::pin!(
        futures::stream::iter(pages)
            .map(|key: K| {
                let page = fetch(key.clone());
                async move { page.await.map(|page| (key, page)) }
            })
            .buffered(concurrency.max(1))
    );
    while let Some((key, page)) = pages.try_next().await? {
        take(key, page)?;
    }
    Ok(())
}

/// A listing's items in arrival order, each id kept once: pages read at
/// the same time overlap when a key is added or removed meanwhile (the
/// items shift by one), and a key must not be shown twice.
#[derive(Debug)]
pub struct Unique<T> {
    items: Vec<T>,
    seen: HashSet<String>,
}

impl<T> Default for Unique<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            seen: HashSet::new(),
        }
    }
}

impl<T> Unique<T> {
    /// Adds the items whose id was not seen yet (an item without an id is
    /// always added); returns how many were new.
    pub fn extend(
        &mut self,
        items: impl IntoIterator<Item = T>,
        id_of: impl Fn(&T) -> Option<String>,
    ) -> usize {
        let before = self.items.len();
        for item in items {
            let is_new = id_of(&item).is_none_or(|id| self.seen.insert(id));
            if is_new {
                self.items.push(item);
            }
        }
        self.items.len() - before
    }

    /// How many items were kept.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in arrival order.
    pub fn into_vec(self) -> Vec<T> {
        self.items
    }
}

/// The target of the first link with relation `rel` in one `Link` header
/// value (RFC 8288: `<url>; rel="next", <url>; rel="last"`). Relation
/// names are compared case-insensitively and may be a space-separated
/// list; the target is returned as written (resolve it against the page's
/// URL, and check its origin before sending a token there).
pub fn link_target<'a>(header: &'a str, rel: &str) -> Option<&'a str> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let end = start + rest[start..].find('>')?;
        let target = &rest[start + 1..end];
        let after = &rest[end + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let matches = after[..params_end].split([';', ',']).any(|param| {
            param.split_once('=').is_some_and(|(name, value)| {
                name.trim().eq_ignore_ascii_case("rel")
                    && value
                        .trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|name| name.eq_ignore_ascii_case(rel))
            })
        });
        if matches {
            return Some(target.trim());
        }
        rest = &after[params_end..];
    }
}

/// The positive whole number in query parameter `name` of `url` (`page=3`
/// in a `rel="last"` link), if there is exactly one such parameter.
pub fn query_number(url: &Url, name: &str) -> Option<u64> {
    let mut values = url
        .query_pairs()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.trim().parse::<u64>().ok());
    let first = values.next()??;
    (values.next().is_none() && first > 0).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_pages_after_the_first_are_bounded() {
        assert!(pages_after_first(1, 10, "X").unwrap().is_empty());
        assert!(pages_after_first(0, 10, "X").unwrap().is_empty());
        assert_eq!(
            pages_after_first(3, 10, "X").unwrap().collect::<Vec<_>>(),
            [2, 3]
        );
        let err = pages_after_first(11, 10, "HCP Terraform").unwrap_err();
        assert_eq!(err.kind, ApiErrorKind::MalformedResponse);
        assert!(
            err.message
                .contains("HCP Terraform says the list has 11 pages")
        );
    }

    /// Every page is asked for before any answers (a barrier the pages
    /// wait at), no more than the limit at once, and the items come out in
    /// page order whatever order the answers arrive in.
    #[tokio::test]
    async fn pages_are_fetched_together_and_kept_in_order() {
        let pages = (2..=(PAGE_CONCURRENCY as u64 + 1)).collect::<Vec<_>>();
        let barrier = Arc::new(tokio::sync::Barrier::new(pages.len()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut taken = Vec::new();
        let fetch = |page: u64| {
            let (barrier, in_flight, most) = (barrier.clone(), in_flight.clone(), most.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Released only once every page is in flight.
                barrier.wait().await;
                // Later pages answer first.
                for _ in 0..(20 - page) {
                    tokio::task::yield_now().await;
                }
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ApiError>(vec![page * 10])
            }
        };
        let listing = fetch_in_order(pages.clone(), fetch, |page, items| {
            taken.push((page, items));
            Ok(())
        });
        tokio::time::timeout(std::time::Duration::from_secs(30), listing)
            .await
            .expect("the pages were not all in flight at once")
            .unwrap();
        assert_eq!(most.load(Ordering::SeqCst), PAGE_CONCURRENCY);
        let expected: Vec<(u64, Vec<u64>)> = pages.iter().map(|&p| (p, vec![p * 10])).collect();
        assert_eq!(taken, expected);
    }

    #[tokio::test]
    async fn the_first_error_ends_the_listing() {
        let mut taken = Vec::new();
        let err = fetch_in_order(
            [1, 2, 3],
            |page| async move {
                if page == 2 {
                    Err(ApiError::invalid_input("page 2 failed"))
                } else {
                    Ok(page)
                }
            },
            |_, page| {
                taken.push(page);
                Ok(())
            },
        )
        .await
        .unwrap_err();
        assert_eq!(err.message, "page 2 failed");
        assert_eq!(taken, [1]);
    }

    #[test]
    fn unique_keeps_the_first_of_each_id() {
        let mut items = Unique::default();
        assert_eq!(items.extend(["a1", "b1", "a2"], |s| Some(s[..1].into())), 2);
        assert_eq!(
            items.extend(["c1", "b2", "x"], |s| (s.len() == 2).then(|| s[..1].into())),
            2
        );
        assert_eq!(items.len(), 4);
        assert_eq!(items.into_vec(), ["a1", "b1", "c1", "x"]);
    }

    #[test]
    fn links_are_found_by_relation() {
        let header = r#"<https://api.github.com/user/keys?page=2>; rel="next", <https://api.github.com/user/keys?page=5>; rel="last""#;
        assert_eq!(
            link_target(header, "last"),
            Some("https://api.github.com/user/keys?page=5")
        );
        assert_eq!(
            link_target(header, "NEXT"),
            Some("https://api.github.com/user/keys?page=2")
        );
        assert_eq!(link_target(header, "prev"), None);
        assert_eq!(link_target(r#"<a>; rel="first last""#, "last"), Some("a"));
        assert_eq!(link_target("<broken; rel=last", "last"), None);
        assert_eq!(link_target("", "last"), None);
    }

    #[test]
    fn page_numbers_are_read_strictly() {
        let number = |text: &str| query_number(&Url::parse(text).unwrap(), "page");
        assert_eq!(number("https://h/x?per_page=100&page=7"), Some(7));
        assert_eq!(number("https://h/x?page=0"), None);
        assert_eq!(number("https://h/x?page=-1"), None);
        assert_eq!(number("https://h/x?page=2&page=3"), None);
        assert_eq!(number("https://h/x?page=abc"), None);
        assert_eq!(number("https://h/x"), None);
    }
}
