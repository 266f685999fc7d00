//! People as CSV: reading a pasted text or an uploaded file into import rows, and writing rows
//! (the Workspace directory's) as CSV for the confirm step to read back.
//!
//! The `csv` crate reads it, not a hand-made `split(',')`: spreadsheets quote cells with commas,
//! quotes and line breaks in them ("López, María"), and a reader of RFC 4180 that has handled
//! such files for years gets those right where a quick split does not.
//!
//! Columns are found by their header, in English or Spanish, in any order; `name` and `email`
//! are required. A cell that looks like a spreadsheet formula (`=cmd`) is kept as the text it is:
//! Sala never evaluates it, and pages escape it like any text.

use super::people_fields;
use sala_app::FieldError;
use sala_app::people_import::{ImportRow, MAX_ROWS};
use sala_domain::{ErrorCode, TimeZoneName, ValueError};

/// At most this much text per import.
pub const MAX_BYTES: usize = 1024 * 1024;

/// Why a whole text could not be read, and on which line when that is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub code: ErrorCode,
    pub line: Option<u64>,
}

impl Unreadable {
    fn new(code: ErrorCode) -> Self {
        Self { code, line: None }
    }
}

/// The columns Sala reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Name,
    Email,
    Phone,
    Language,
    WhatsApp,
    Consent,
}

impl Column {
    /// A header cell, accents and case aside.
    fn of(header: &str) -> Option<Self> {
        let folded = sala_domain::search::fold(header).replace([' ', '-'], "_");
        Some(match folded.as_str() {
            "name" | "full_name" | "nombre" | "nombre_completo" => Self::Name,
            "email" | "e_mail" | "mail" | "correo" | "correo_electronico" => Self::Email,
            "phone" | "mobile" | "telefono" | "movil" => Self::Phone,
            "language" | "locale" | "idioma" => Self::Language,
            "whatsapp" | "whatsapp_opt_in" => Self::WhatsApp,
            "whatsapp_consent_at" | "consent" | "consent_at" | "consentimiento" => Self::Consent,
            _ => return None,
        })
    }
}

/// Uploaded bytes as text: UTF-8 only (a UTF-8 byte order mark is dropped); anything else, such
/// as a spreadsheet's "CSV" in Windows-1252 or UTF-16, is refused with a readable reason rather
/// than read as mojibake.
pub fn decode(bytes: &[u8]) -> Result<String, Unreadable> {
    if bytes.len() > MAX_BYTES {
        return Err(Unreadable::new(ErrorCode::PayloadTooLarge));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec()).map_err(|_| Unreadable::new(ErrorCode::InvalidEncoding))
}

/// The rows of `text`; consent days are read in `zone`.
pub fn read(text: &str, zone: &TimeZoneName) -> Result<Vec<ImportRow>, Unreadable> {
    if text.len() > MAX_BYTES {
        return Err(Unreadable::new(ErrorCode::PayloadTooLarge));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\u{0}') {
        // NUL bytes mean UTF-16 (or not text at all) pasted or uploaded.
        return Err(Unreadable::new(ErrorCode::InvalidEncoding));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let columns = header(&mut reader)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Unreadable { code: ErrorCode::InvalidCsv, line: line_of(&e) })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(Unreadable::new(ErrorCode::TooManyRows));
        }
        // The spreadsheet's row number (the header is row 1): a cell with line breaks in it
        // keeps a row one row, where a count of lines would drift.
        let number = u64::try_from(rows.len()).unwrap_or(u64::MAX).saturating_add(2);
        rows.push(row(&columns, &record, number, zone));
    }
    if rows.is_empty() {
        return Err(Unreadable::new(ErrorCode::EmptyImport));
    }
    Ok(rows)
}

fn line_of(e: &csv::Error) -> Option<u64> {
    e.position().map(csv::Position::line)
}

/// Which column each header cell is; name and email must be there.
fn header(reader: &mut csv::Reader<&[u8]>) -> Result<Vec<Option<Column>>, Unreadable> {
    let headers = reader.headers().map_err(|e| Unreadable { code: ErrorCode::InvalidCsv, line: line_of(&e) })?;
    if headers.iter().all(str::is_empty) {
        return Err(Unreadable::new(ErrorCode::EmptyImport));
    }
    let columns: Vec<Option<Column>> = headers.iter().map(Column::of).collect();
    if !columns.contains(&Some(Column::Name)) || !columns.contains(&Some(Column::Email)) {
        return Err(Unreadable { code: ErrorCode::MissingColumn, line: Some(1) });
    }
    Ok(columns)
}

fn row(columns: &[Option<Column>], record: &csv::StringRecord, line: u64, zone: &TimeZoneName) -> ImportRow {
    let mut row = ImportRow { line, ..ImportRow::default() };
    if record.len() > columns.len() {
        row.problems.push(FieldError {
            field: "row".into(),
            code: ErrorCode::InvalidCsv,
            message: "the row has more cells than the header".into(),
        });
    }
    for (column, cell) in columns.iter().zip(record.iter()) {
        match column {
            Some(Column::Name) => row.name = cell.to_owned(),
            Some(Column::Email) => row.email = cell.to_owned(),
            Some(Column::Phone) => row.phone = Some(cell.to_owned()).filter(|c| !c.is_empty()),
            Some(Column::Language) => row.locale = take(&mut row.problems, "locale", people_fields::language(cell)),
            Some(Column::WhatsApp) => {
                row.whatsapp_opt_in = take(&mut row.problems, "whatsapp_opt_in", people_fields::yes_no(cell));
            }
            Some(Column::Consent) => {
                row.whatsapp_consent_at =
                    take(&mut row.problems, "whatsapp_consent_at", people_fields::consent_at(cell, zone));
            }
            None => {}
        }
    }
    row
}

fn take<T>(problems: &mut Vec<FieldError>, field: &str, read: Result<Option<T>, ValueError>) -> Option<T> {
    read.unwrap_or_else(|e| {
        problems.push(FieldError { field: field.to_owned(), code: e.code, message: e.message });
        None
    })
}

/// People (name, email, phone) as CSV with its header, as [`read`] reads it back.
pub fn write(people: &[(String, String, Option<String>)]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["name", "email", "phone"])?;
    for (name, email, phone) in people {
        writer.write_record([name.as_str(), email.as_str(), phone.as_deref().unwrap_or_default()])?;
    }
    let bytes = writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> TimeZoneName {
        TimeZoneName::parse("Europe/Madrid").unwrap()
    }

    fn code(text: &str) -> ErrorCode {
        read(text, &zone()).unwrap_err().code
    }

    #[test]
    fn headers_in_spanish_quotes_and_a_bom_are_read() {
        let text = "\u{feff}Correo,Nombre,Teléfono,Idioma,WhatsApp,Consentimiento\r\n\
                    ana@acme.test,\"López, Ana\",+34 612 345 678,es,sí,2026-11-30\r\n\r\n\
                    luis@acme.test,\"Luis \"\"Lu\"\" Gil\nSegunda\",,,,\n";
        let rows = read(text, &zone()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].name.as_str(), rows[0].email.as_str(), rows[0].line), ("López, Ana", "ana@acme.test", 2));
        assert_eq!(rows[0].whatsapp_opt_in, Some(true));
        assert!(rows[0].whatsapp_consent_at.is_some() && rows[0].problems.is_empty());
        assert_eq!(rows[1].name, "Luis \"Lu\" Gil\nSegunda");
        assert_eq!((rows[1].phone.clone(), rows[1].whatsapp_opt_in), (None, None));
    }

    #[test]
    fn bad_cells_are_the_rows_problems() {
        let rows =
            read("name,email,language,whatsapp,consent\n=cmd|' /C calc'!A0,x@acme.test,fr,maybe,ayer\n", &zone())
                .unwrap();
        let fields: Vec<_> = rows[0].problems.iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(
            fields,
            [
                ("locale", ErrorCode::InvalidLocale),
                ("whatsapp_opt_in", ErrorCode::InvalidYesNo),
                ("whatsapp_consent_at", ErrorCode::InvalidDate)
            ]
        );
        assert_eq!(rows[0].name, "=cmd|' /C calc'!A0", "a formula is text");
        let extra = read("name,email\nAna,ana@acme.test,+34612345678\n", &zone()).unwrap();
        assert_eq!(extra[0].problems[0].code, ErrorCode::InvalidCsv, "a cell without a column");
    }

    #[test]
    fn unreadable_texts_say_why() {
        assert_eq!(code(""), ErrorCode::EmptyImport);
        assert_eq!(code("name,email\n"), ErrorCode::EmptyImport);
        assert_eq!(code("nombre,teléfono\nAna,+34612345678\n"), ErrorCode::MissingColumn);
        assert_eq!(code("n\u{0}a\u{0}m\u{0}e\u{0}"), ErrorCode::InvalidEncoding);
        assert_eq!(decode(b"name,email\nJos\xe9,j@acme.test\n").unwrap_err().code, ErrorCode::InvalidEncoding);
        assert_eq!(decode(b"\xEF\xBB\xBFname").unwrap(), "name");
        let many = format!("name,email\n{}", "A,a@acme.test\n".repeat(MAX_ROWS + 1));
        assert_eq!(code(&many), ErrorCode::TooManyRows);
        assert_eq!(code(&"x".repeat(MAX_BYTES + 1)), ErrorCode::PayloadTooLarge);
    }

    #[test]
    fn written_people_read_back() {
        let people = vec![("López, Ana".to_owned(), "ana@acme.test".to_owned(), Some("+34612345678".to_owned()))];
        let rows = read(&write(&people).unwrap(), &zone()).unwrap();
        assert_eq!((rows[0].name.as_str(), rows[0].phone.as_deref()), ("López, Ana", Some("+34612345678")));
    }
}
