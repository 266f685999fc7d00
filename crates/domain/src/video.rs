//! Which video service a meeting link belongs to, so messages name it as people know it ("Join
//! with Microsoft Teams") whichever calendar made it: Google Calendar makes Meet links, Outlook
//! makes Teams links, and a virtual room's standing link may be any service.

/// A video service people recognize by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoService {
    GoogleMeet,
    MicrosoftTeams,
    /// Any other (Zoom, Jitsi, a company's own): named generically.
    Other,
}

impl VideoService {
    /// The service of `link`, by its host.
    pub fn of(link: &str) -> Self {
        let rest = link.trim().split_once("://").map_or(link, |(_, rest)| rest);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        let host = host.split(':').next().unwrap_or_default().to_ascii_lowercase();
        let within = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
        if within("meet.google.com") {
            Self::GoogleMeet
        } else if within("teams.microsoft.com") || within("teams.live.com") {
            Self::MicrosoftTeams
        } else {
            Self::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::VideoService;

    #[test]
    fn links_are_named_by_their_host() {
        assert_eq!(VideoService::of("https://meet.google.com/abc-defg-hij"), VideoService::GoogleMeet);
        assert_eq!(
            VideoService::of("https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"),
            VideoService::MicrosoftTeams
        );
        assert_eq!(VideoService::of("https://teams.live.com/meet/9356"), VideoService::MicrosoftTeams);
        assert_eq!(VideoService::of("https://zoom.us/j/123"), VideoService::Other);
        // A host that only looks like one is not.
        assert_eq!(VideoService::of("https://meet.google.com.evil.test/x"), VideoService::Other);
        assert_eq!(VideoService::of("https://evil.test/meet.google.com"), VideoService::Other);
        assert_eq!(VideoService::of("https://meet.google.com@evil.test/x"), VideoService::Other);
        assert_eq!(VideoService::of("not a link"), VideoService::Other);
    }
}
