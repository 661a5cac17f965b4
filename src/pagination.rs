//! `?limit=&cursor=` lists, with one cursor format for every list: the last
//! item's sort key and id, `key|id` in URL-safe base64, opaque to clients.
//! Ids are UUIDv7, so they sort by creation time: a list in id order leaves
//! the key empty, and a list in another order (distance, deadline) breaks
//! ties by id, so pages have no gaps or repeats while rows are added.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::AppError;

pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1..=100 (default 20).
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    pub after: Option<Uuid>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, AppError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::bad_request(format!(
                "limit 须在 1 到 {MAX_LIMIT} 之间"
            )));
        }
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(cursor) => {
                Some(decode_cursor(cursor).ok_or_else(|| AppError::bad_request("cursor 无效"))?)
            }
        };
        Ok(Page { limit, after })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Paginated<T> {
    /// `rows` were fetched with `limit + 1` so we know whether more follow.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        page: Page,
        id: impl Fn(&R) -> Uuid,
        view: impl Fn(R) -> T,
    ) -> Self {
        let limit = page.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(id(r)))
        } else {
            None
        };
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

/// The cursor after `id` in a list ordered by id.
pub fn encode_cursor(id: Uuid) -> String {
    encode_keyed_cursor("", id)
}

pub fn decode_cursor(cursor: &str) -> Option<Uuid> {
    match decode_keyed_cursor::<String>(cursor)? {
        (key, id) if key.is_empty() => Some(id),
        _ => None,
    }
}

/// The cursor after the item with this sort key and id.
pub fn encode_keyed_cursor(key: impl std::fmt::Display, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{key}|{id}"))
}

pub fn decode_keyed_cursor<K: std::str::FromStr>(cursor: &str) -> Option<(K, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (key, id) = text.rsplit_once('|')?;
    Some((key.parse().ok()?, id.parse().ok()?))
}

/// The cursor of a query that takes one, as a 400 when it is not ours.
pub fn keyed_cursor<K: std::str::FromStr>(
    cursor: Option<&str>,
) -> Result<Option<(K, Uuid)>, AppError> {
    match cursor {
        None | Some("") => Ok(None),
        Some(c) => decode_keyed_cursor(c)
            .map(Some)
            .ok_or_else(|| AppError::bad_request("cursor 无效")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        assert_eq!(decode_cursor("not a cursor!"), None);
        assert_eq!(decode_cursor("AAAA"), None);
    }

    #[test]
    fn keyed_cursors_round_trip_and_do_not_pass_for_each_other() {
        let id = Uuid::now_v7();
        let due: chrono::NaiveDate = "2026-12-01".parse().unwrap();
        let cursor = encode_keyed_cursor(due, id);
        assert_eq!(decode_keyed_cursor(&cursor), Some((due, id)));
        assert_eq!(decode_keyed_cursor::<u64>(&cursor), None);
        assert_eq!(
            decode_cursor(&cursor),
            None,
            "a keyed cursor is not an id cursor"
        );
        assert_eq!(
            decode_keyed_cursor(&encode_keyed_cursor(123_456u64, id)),
            Some((123_456u64, id))
        );
        assert_eq!(decode_keyed_cursor::<u64>(&encode_cursor(id)), None);
        assert_eq!(keyed_cursor::<u64>(None).unwrap(), None);
        assert!(keyed_cursor::<u64>(Some("garbage")).is_err());
    }

    #[test]
    fn limits_outside_the_range_are_bad_requests() {
        let q = |limit| {
            PageQuery {
                limit: Some(limit),
                cursor: None,
            }
            .page()
        };
        assert!(q(0).is_err());
        assert!(q(101).is_err());
        assert_eq!(q(100).unwrap().limit, 100);
        assert_eq!(
            PageQuery {
                limit: None,
                cursor: None
            }
            .page()
            .unwrap()
            .limit,
            DEFAULT_LIMIT
        );
    }

    #[test]
    fn pages_know_whether_more_follow() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let page = Page {
            limit: 2,
            after: None,
        };
        let p: Paginated<String> =
            Paginated::from_rows(ids.clone(), page, |u| *u, |u| u.to_string());
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.next_cursor, Some(encode_cursor(ids[1])));
        let p: Paginated<String> =
            Paginated::from_rows(ids[..2].to_vec(), page, |u| *u, |u| u.to_string());
        assert_eq!(p.next_cursor, None);
    }
}
