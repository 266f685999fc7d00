//! A light first pass over a calendar's content lines (RFC 5545 §3.1): unfolds them keeping the
//! number of the physical line each starts on, checks that every line has a name and a value and
//! that every `BEGIN` has its `END`, and notes where each event and each of its properties is.
//! The parser proper (icalendar's) says little about *where* a file is wrong; this pass does, so
//! a refusal can name the line.

use super::Unreadable;

/// A `VEVENT` directly inside a `VCALENDAR`: the line of its `BEGIN`, and the line of each of
/// its own properties (not those of an alarm inside it), in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct EventLines {
    pub(super) begin: usize,
    pub(super) props: Vec<(String, usize)>,
}

impl EventLines {
    /// The line of the event's first property `name`, else of its `BEGIN`.
    pub(super) fn line_of(&self, name: &str) -> usize {
        self.props.iter().find(|(n, _)| n == name).map_or(self.begin, |(_, line)| *line)
    }
}

/// What the pass found: the unfolded text for the parser, and the events' lines.
pub(super) struct Checked {
    pub(super) unfolded: String,
    pub(super) events: Vec<EventLines>,
}

pub(super) fn check(text: &str) -> Result<Checked, Unreadable> {
    let logical = unfold(text);
    let Some((first, first_line)) = logical.first() else {
        return Err(Unreadable::at(None, "the body is empty: send an iCalendar file (BEGIN:VCALENDAR ...)"));
    };
    if !first.eq_ignore_ascii_case("BEGIN:VCALENDAR") {
        return Err(Unreadable::at(Some(*first_line), "not a calendar: an iCalendar file starts with BEGIN:VCALENDAR"));
    }
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut events = Vec::new();
    let mut current: Option<EventLines> = None;
    let mut unfolded = String::with_capacity(text.len());
    for (content, number) in &logical {
        let number = *number;
        let name = name_of(content).ok_or_else(|| {
            Unreadable::at(Some(number), format!("'{}' is not a content line (NAME:value)", clip(content)))
        })?;
        let value = content.split_once(':').map_or("", |(_, v)| v).trim().to_ascii_uppercase();
        match name.as_str() {
            "BEGIN" => {
                if value.is_empty() {
                    return Err(Unreadable::at(Some(number), "BEGIN without a component name"));
                }
                if open.is_empty() && value != "VCALENDAR" {
                    return Err(Unreadable::at(Some(number), format!("BEGIN:{value} outside BEGIN:VCALENDAR")));
                }
                if value == "VEVENT" && open.len() == 1 {
                    current = Some(EventLines { begin: number, props: Vec::new() });
                }
                open.push((value, number));
            }
            "END" => match open.pop() {
                Some((begun, _)) if begun == value => {
                    if value == "VEVENT" && open.len() == 1 {
                        events.extend(current.take());
                    }
                }
                Some((begun, line)) => {
                    return Err(Unreadable::at(
                        Some(number),
                        format!("END:{value} where BEGIN:{begun} of line {line} needs its END:{begun}"),
                    ));
                }
                None => return Err(Unreadable::at(Some(number), format!("END:{value} without its BEGIN"))),
            },
            _ => {
                if open.is_empty() {
                    return Err(Unreadable::at(Some(number), format!("{name} outside BEGIN:VCALENDAR")));
                }
                if open.len() == 2
                    && let Some(event) = current.as_mut()
                {
                    event.props.push((name, number));
                }
            }
        }
        unfolded.push_str(content);
        unfolded.push_str("\r\n");
    }
    if let Some((begun, line)) = open.pop() {
        return Err(Unreadable::at(Some(line), format!("BEGIN:{begun} has no END:{begun}")));
    }
    Ok(Checked { unfolded, events })
}

/// The logical lines (folded continuations joined) with the physical line each starts on;
/// blank lines left out.
fn unfold(text: &str) -> Vec<(String, usize)> {
    let mut lines: Vec<(String, usize)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some((last, _))) => last.push_str(rest),
            _ if raw.trim().is_empty() => {}
            _ => lines.push((raw.to_owned(), i + 1)),
        }
    }
    lines
}

/// The line's property name (upper-case), if it is a content line: a name of letters, digits
/// and hyphens, then parameters, then a colon outside quotes and the value.
fn name_of(line: &str) -> Option<String> {
    let end = line.find([';', ':'])?;
    let name = &line[..end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let mut quoted = false;
    for c in line[end..].chars() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(name.to_ascii_uppercase()),
            _ => {}
        }
    }
    None
}

/// A line as a refusal quotes it: at most 60 characters.
fn clip(line: &str) -> String {
    let mut out: String = line.chars().take(60).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of_error(text: &str) -> (Option<usize>, String) {
        match check(text) {
            Ok(_) => panic!("expected a refusal"),
            Err(e) => (e.line, e.message),
        }
    }

    #[test]
    fn folded_lines_keep_their_first_line_number() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Long\r\n  title\r\nDTSTART:20270301T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let checked = check(text).unwrap();
        assert_eq!(checked.events.len(), 1);
        assert_eq!(checked.events[0].begin, 2);
        assert_eq!(checked.events[0].line_of("DTSTART"), 5);
        assert!(checked.unfolded.contains("SUMMARY:Long title\r\n"));
    }

    #[test]
    fn refusals_name_the_line() {
        assert_eq!(line_of_error("").0, None);
        assert_eq!(line_of_error("hello\nworld").0, Some(1));
        let (line, message) = line_of_error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VCALENDAR\n");
        assert_eq!(line, Some(4));
        assert!(message.contains("VEVENT"), "{message}");
        let (line, message) = line_of_error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\n");
        assert_eq!(line, Some(2));
        assert!(message.contains("no END:VEVENT"), "{message}");
        assert_eq!(line_of_error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nno colon here\nEND:VEVENT\nEND:VCALENDAR").0, Some(3));
    }

    #[test]
    fn a_colon_inside_a_quoted_parameter_is_not_the_value() {
        assert_eq!(name_of("ORGANIZER;CN=\"Doe: J\":mailto:j@x.test").as_deref(), Some("ORGANIZER"));
        assert_eq!(name_of("ORGANIZER;CN=\"Doe: J\""), None);
    }
}
