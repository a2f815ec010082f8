"""The phone pages (API.md "Pages"): thin server-rendered views over the same services,
selectors and permissions as GraphQL, split by audience. Shared pieces in `common`."""
