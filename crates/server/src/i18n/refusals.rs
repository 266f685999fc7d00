//! The reader's words for every refusal code, in each language: one exhaustive `match` per
//! language, so a new [`ErrorCode`] does not compile until both say what it means. Pages show
//! these; API clients get the code and the use case's own English detail.

use sala_domain::{ErrorCode, Locale};

/// What `code` means, in `locale`.
pub fn refusal(locale: Locale, code: ErrorCode) -> &'static str {
    match locale {
        Locale::Es => es(code),
        Locale::En => en(code),
    }
}

fn es(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::GoogleUnavailable => "Google no ha respondido: vuelve a intentarlo dentro de un momento.",
        ErrorCode::GuestQuotaPerson => {
            "Hoy has invitado a tantas personas de fuera de la organización como se permite a una persona: inténtalo mañana."
        }
        ErrorCode::GuestQuotaOrganization => {
            "Hoy tu organización ha invitado a tantas personas de fuera como se permite: inténtalo mañana."
        }
        ErrorCode::TooManyRows => "Como mucho 2.000 personas por importación: divide el archivo.",
        ErrorCode::TooManyWebhooks => "Una organización tiene como mucho 10 webhooks: quita uno antes.",
        ErrorCode::ServiceAccountMissing => {
            "Esta organización no tiene cuenta de servicio de Google: súbela en Ajustes > Conexiones."
        }
        ErrorCode::MissingColumn => "Falta una columna en la fila de encabezados: hacen falta nombre y correo.",
        ErrorCode::InvalidYesNo => "Escribe sí o no.",
        ErrorCode::InvalidEncoding => "El archivo no está en UTF-8: guárdalo como «CSV UTF-8» y vuelve a subirlo.",
        ErrorCode::InvalidCsv => "La fila tiene más celdas que columnas la fila de encabezados.",
        ErrorCode::InTheFuture => "Esa fecha todavía no ha llegado.",
        ErrorCode::EmptyImport => {
            "No hay nadie que importar: el archivo está vacío o solo tiene la fila de encabezados."
        }
        ErrorCode::DuplicateEmail => "Esa dirección ya aparece en otra fila.",
        ErrorCode::DirectoryNotGranted => {
            "Google no deja a Sala leer el directorio: la cuenta de servicio necesita el permiso admin.directory.user.readonly en la delegación de todo el dominio, y quien importa ha de ser administrador de Google Workspace."
        }
        ErrorCode::AccountDeactivated => "Tu cuenta está desactivada. Habla con quien administre Sala.",
        ErrorCode::AlreadyAdopted => "Ese evento ya es una reserva de Sala.",
        ErrorCode::AlreadyDelivered => "Ese mensaje ya se entregó.",
        ErrorCode::ApiKeyCollision => "No se pudo crear la clave. Vuelve a intentarlo.",
        ErrorCode::BookingCancelled => "Esta reserva está cancelada.",
        ErrorCode::BookingConflict => "Esa sala ya está ocupada a esa hora.",
        ErrorCode::BookingEnded => "Esta reunión ya ha terminado.",
        ErrorCode::BookingNotConfirmed => "La reserva se canceló o se liberó mientras tanto.",
        ErrorCode::BookingReleased => "La sala se liberó porque nadie hizo check-in; esta reserva ya no está activa.",
        ErrorCode::ByNeedsMonthly => "Solo una serie mensual elige qué día del mes («by»).",
        ErrorCode::CalendarInvalid => {
            "El archivo no es un calendario que se pueda leer (.ics): revisa la línea indicada."
        }
        ErrorCode::CalendarUnreadable => {
            "Sala no pudo leer el calendario de Google de la sala: conecta tu Google Calendar o da acceso a la cuenta de servicio, y comparte el calendario de la sala."
        }
        ErrorCode::CalendarNotGranted => {
            "Google no ha dado acceso al calendario: marca la casilla del calendario en la pantalla de Google."
        }
        ErrorCode::CheckInNotOpen => "El check-in se abre 15 minutos antes de la reunión.",
        ErrorCode::CheckedIn => "Alguien ya ha hecho check-in en esta reserva.",
        ErrorCode::CsrfFailed => "El formulario caducó. Vuelve atrás, recarga la página y prueba otra vez.",
        ErrorCode::DatabaseUnavailable => {
            "Sala no puede llegar ahora a su base de datos y no se ha guardado nada. Vuelve a intentarlo dentro de un momento."
        }
        ErrorCode::DuplicateAttendee => "Hay un invitado repetido.",
        ErrorCode::DuplicateReminder => "Hay un recordatorio repetido.",
        ErrorCode::EmailMissing => "Google no ha compartido una dirección de correo válida.",
        ErrorCode::EmailNotVerified => "Google no ha verificado esta dirección de correo.",
        ErrorCode::ExportTooLarge => "Ese periodo tiene demasiadas reservas para una exportación: pide uno más corto.",
        ErrorCode::FeedNeedsPerson => {
            "Un calendario de «mis reuniones» es de una persona: pídelo con tu sesión iniciada."
        }
        ErrorCode::InvalidFeedScope => "Elige qué calendario: mis reuniones, una sala o toda la organización.",
        ErrorCode::TooManyFeeds => "Tienes ya 20 calendarios suscritos: revoca alguno antes de crear otro.",
        ErrorCode::WorkspaceAccountRequired => {
            "Esta organización solo deja entrar con sus cuentas de Google Workspace: entra con tu cuenta del trabajo."
        }
        ErrorCode::GoogleAccountMismatch => {
            "Esta persona entra con otra cuenta de Google. Si la cambió, pide a un administrador que la desvincule."
        }
        ErrorCode::EndBeforeStart => "La hora de fin debe ser posterior a la de inicio.",
        ErrorCode::Forbidden => "No tienes permiso para hacer esto.",
        ErrorCode::GoogleAccountTaken => "Esa cuenta de Google ya está vinculada a otra persona.",
        ErrorCode::IdempotencyKeyInUse => "Ya hay una petición en curso con esta clave de idempotencia.",
        ErrorCode::IdempotencyKeyReused => "Esta clave de idempotencia ya se usó con otra petición.",
        ErrorCode::InThePast => "Esa hora ya ha pasado.",
        ErrorCode::InsufficientScope => "Esta clave de API no tiene el permiso necesario.",
        ErrorCode::InternalError => "Algo ha fallado por nuestra parte. Inténtalo de nuevo.",
        ErrorCode::InvalidBody => "Los datos enviados no tienen la forma esperada.",
        ErrorCode::InvalidBookableHours => "El horario debe ser como «mon-fri 08:00-20:00», y abrir antes de cerrar.",
        ErrorCode::InvalidCalendarService => {
            "Elige el servicio de calendario: Google, o Microsoft una vez puesto el id de inquilino de Microsoft Entra."
        }
        ErrorCode::InvalidCapacity => "La capacidad debe estar entre 1 y 1000 personas.",
        ErrorCode::InvalidCharacters => "El texto lleva caracteres que no se admiten.",
        ErrorCode::InvalidCount => "Escribe un número de veces entre 2 y 156, o una fecha final.",
        ErrorCode::InvalidCursor => "Ese cursor de página no es válido; usa el de la página anterior.",
        ErrorCode::InvalidDate => "Escribe una fecha válida.",
        ErrorCode::InvalidDatetime => "Escribe una fecha y hora válidas.",
        ErrorCode::InvalidDomain => "Ese dominio de correo no es válido.",
        ErrorCode::InvalidEmail => "Hay una dirección de correo que no es válida.",
        ErrorCode::InvalidEntraTenant => {
            "El id de inquilino de Microsoft Entra es un GUID, como 72f988bf-86f1-41af-91ab-2d7cd011db47."
        }
        ErrorCode::InvalidEquipment => {
            "El equipamiento son etiquetas cortas en minúsculas separadas por comas (como mucho 20)."
        }
        ErrorCode::InvalidFormat => "El formato pedido no existe.",
        ErrorCode::InvalidGrace => "El periodo de gracia no es válido.",
        ErrorCode::InvalidId => "Ese identificador no es válido.",
        ErrorCode::InvalidIdempotencyKey => "La clave de idempotencia debe tener de 1 a 255 caracteres ASCII visibles.",
        ErrorCode::InvalidIfMatch => "Envía en If-Match la versión que obtuviste, como \"3\".",
        ErrorCode::InvalidInterval => "El intervalo de repetición no es válido.",
        ErrorCode::InvalidJson => "Los datos enviados no son JSON válido.",
        ErrorCode::InvalidLocale => "El idioma debe ser es o en.",
        ErrorCode::InvalidMetadata => "Los metadatos deben ser un objeto JSON.",
        ErrorCode::InvalidPhone => "Escribe un teléfono válido con prefijo internacional, como +34 612 345 678.",
        ErrorCode::InvalidPhoneNumberId => "El identificador del número de WhatsApp no es válido.",
        ErrorCode::InvalidQuery => "Los parámetros de la dirección no son válidos.",
        ErrorCode::InvalidRange => "El intervalo de fechas no es válido.",
        ErrorCode::InvalidReminder => "Los recordatorios van de 1 minuto a una semana antes.",
        ErrorCode::InvalidRole => "El rol debe ser admin o member.",
        ErrorCode::InvalidRoomKind => "El tipo de sala debe ser física o virtual.",
        ErrorCode::InvalidMaxMeetings => "Las reuniones a la vez deben ir de 1 a 1000 (vacío: sin límite).",
        ErrorCode::InvalidVideoLink => "El enlace de videollamada debe ser una dirección https.",
        ErrorCode::RoomKindFixed => "El tipo de una sala no cambia una vez creada: crea otra sala.",
        ErrorCode::InvalidRules => {
            "Las normas de reserva no son válidas (minutos de liberación entre 1 y 240, 0 en una sala: nunca)."
        }
        ErrorCode::InvalidScope => "Elige al menos un permiso válido.",
        ErrorCode::InvalidSecret => "El secreto de firma no es válido.",
        ErrorCode::InvalidServiceAccount => "Eso no es el archivo de clave JSON de una cuenta de servicio de Google.",
        ErrorCode::InvalidSlug => "El nombre corto solo admite minúsculas, números y guiones.",
        ErrorCode::InvalidStatus => "Ese estado no existe.",
        ErrorCode::InvalidTimeZone => "Esa zona horaria no existe; usa un nombre IANA como Europe/Madrid.",
        ErrorCode::InvalidToken => "El token de acceso no es válido.",
        ErrorCode::InvalidWebhookUrl => "La dirección del webhook debe ser https y no apuntar a una red privada.",
        ErrorCode::LastAdmin => "No puedes quitarte a ti mismo el rol de administración.",
        ErrorCode::LinkExpired => "Este enlace ha caducado: vuelve a escanear el código de la puerta.",
        ErrorCode::MetadataTooLarge => "Los metadatos admiten como mucho 50 claves y 4 KiB.",
        ErrorCode::MicrosoftAccountMismatch => {
            "Esta persona entra con otra cuenta de Microsoft. Si la cambió, pide a un administrador que la desvincule."
        }
        ErrorCode::MicrosoftAccountTaken => "Esa cuenta de Microsoft ya está vinculada a otra persona.",
        ErrorCode::NoEvents => "Elige al menos un evento.",
        ErrorCode::NoMeetingNow => "Ahora no hay ninguna reunión en esta sala en la que hacer check-in.",
        ErrorCode::NoRefreshToken => "Google no ha enviado un permiso duradero; vuelve a intentarlo.",
        ErrorCode::NotFound => "No existe o no tienes acceso.",
        ErrorCode::NotInvited => "Esa persona no está invitada a la reunión.",
        ErrorCode::NotLastWeekday => {
            "Para repetir el último día de la semana de cada mes, la primera fecha debe ser el último de su mes."
        }
        ErrorCode::NotReady => "La base de datos no responde.",
        ErrorCode::OrganizerInactive => "La cuenta de quien organiza está desactivada.",
        ErrorCode::OrganizerRequired => "Indica quién organiza la reunión.",
        ErrorCode::OtherGoogleAccount => "Conecta la cuenta de Google con la que inicias sesión.",
        ErrorCode::OutOfRange => "El valor está fuera de los límites permitidos.",
        ErrorCode::OutsideBookableHours => "La sala no se puede reservar a esa hora.",
        ErrorCode::OverCapacity => "Sois más personas de las que caben en la sala.",
        ErrorCode::PayloadTooLarge => "Los datos enviados son demasiado grandes.",
        ErrorCode::PerPersonReportsOff => {
            "Tu organización ha desactivado las cifras por persona en los informes: solo hay cifras de conjunto."
        }
        ErrorCode::PhoneRequired => "Para recibir WhatsApp hace falta un teléfono.",
        ErrorCode::RateLimited => "Demasiadas peticiones. Espera un poco y vuelve a probar.",
        ErrorCode::ReadOnly => {
            "Ahora mismo Sala solo puede leer datos y no se ha guardado nada. Vuelve a intentarlo más tarde."
        }
        ErrorCode::RecurrenceNeedsEnd => "Indica cuántas veces se repite o hasta qué fecha.",
        ErrorCode::Required => "Este campo es obligatorio.",
        ErrorCode::RoomInactive => "Esa sala está fuera de servicio; elige otra.",
        ErrorCode::RoomNameTaken => "Ya hay una sala con ese nombre.",
        ErrorCode::RoomWithoutCalendar => "Esa sala no tiene calendario de Google: añádelo en la ficha de la sala.",
        ErrorCode::SignInExpired => "Tu sesión caducó. Vuelve a iniciar sesión.",
        ErrorCode::StorageFull => {
            "La base de datos está llena y no se ha guardado nada. Avisa a quien administre Sala y vuelve a intentarlo más tarde."
        }
        ErrorCode::TenantDomainTaken => "Ese dominio de correo ya pertenece a otra organización.",
        ErrorCode::TenantEntraTaken => "Ese inquilino de Microsoft Entra ya pertenece a otra organización.",
        ErrorCode::TenantSlugTaken => "Ya hay una organización con ese nombre corto.",
        ErrorCode::TooFarAhead => "No se puede reservar con tanta antelación.",
        ErrorCode::TooLittleNotice => "Hace falta reservar con más antelación.",
        ErrorCode::TooLong => "El texto es demasiado largo.",
        ErrorCode::TooManyActiveBookings => "Ya tienes el máximo de reservas futuras permitido.",
        ErrorCode::TooManyAttendees => "Como mucho 100 invitados.",
        ErrorCode::TooManyEquipmentTags => "Como mucho 20 etiquetas de equipamiento.",
        ErrorCode::TooManyOccurrences => "Una serie tiene como mucho 156 repeticiones.",
        ErrorCode::TooManyReminders => "Como mucho cuatro recordatorios.",
        ErrorCode::TooShort => "La reunión es más corta de lo que permiten las normas.",
        ErrorCode::Unauthenticated => "Inicia sesión, o envía una clave de API válida.",
        ErrorCode::UnknownDomain => {
            "Ninguna organización usa Sala con ese dominio. Pide a quien administre que lo configure."
        }
        ErrorCode::UnknownEntraTenant => {
            "Tu organización de Microsoft todavía no usa Sala: pide a quien administre que la vincule en Administración > Ajustes."
        }
        ErrorCode::UnknownEvent => "Ese evento de webhook no existe.",
        ErrorCode::UnknownOrganizer => "Quien organiza debe ser una persona de tu organización.",
        ErrorCode::UnknownRoom => "Elige una sala de tu organización.",
        ErrorCode::UnsupportedMediaType => "Envía los datos como JSON.",
        ErrorCode::UnlistedDomain => {
            "El dominio de tu cuenta no es uno de los dominios de correo de tu organización en Sala: pide a quien administre que lo añada."
        }
        ErrorCode::UntilBeforeStart => "La fecha final de la serie es anterior a su inicio.",
        ErrorCode::UserEmailTaken => "Ya hay una persona con ese correo.",
        ErrorCode::ValidationFailed => "Hay datos que corregir.",
        ErrorCode::VersionMismatch => {
            "Alguien ha cambiado esta reserva mientras la editabas. Revisa los datos y vuelve a guardar."
        }
        ErrorCode::WeekdaysInterval => "Una serie de lunes a viernes se repite cada semana (intervalo 1).",
        ErrorCode::WeekdaysStartsOnWeekend => "Una serie de lunes a viernes debe empezar en un día laborable.",
        ErrorCode::WindowTooLong => "Pide como mucho 31 días de una vez.",
    }
}

fn en(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::GoogleUnavailable => "Google did not answer: try again in a moment.",
        ErrorCode::GuestQuotaPerson => {
            "You invited as many people from outside the organization today as one person may: try again tomorrow."
        }
        ErrorCode::GuestQuotaOrganization => {
            "Your organization invited as many people from outside today as it may: try again tomorrow."
        }
        ErrorCode::TooManyRows => "At most 2,000 people per import: split the file.",
        ErrorCode::TooManyWebhooks => "An organization has at most 10 webhooks: remove one first.",
        ErrorCode::ServiceAccountMissing => {
            "This organization has no Google service account: upload one in Settings > Connections."
        }
        ErrorCode::MissingColumn => "The header row lacks a column: name and email are needed.",
        ErrorCode::InvalidYesNo => "Write yes or no.",
        ErrorCode::InvalidEncoding => "The file is not UTF-8: save it as “CSV UTF-8” and upload it again.",
        ErrorCode::InvalidCsv => "The row has more cells than the header row has columns.",
        ErrorCode::InTheFuture => "That date has not come yet.",
        ErrorCode::EmptyImport => "There is nobody to import: the file is empty or has only its header row.",
        ErrorCode::DuplicateEmail => "That address is on another row already.",
        ErrorCode::DirectoryNotGranted => {
            "Google does not let Sala read the directory: the service account needs the admin.directory.user.readonly scope in its domain-wide delegation, and whoever imports must be a Google Workspace administrator."
        }
        ErrorCode::AccountDeactivated => "Your account is deactivated. Ask your Sala administrator.",
        ErrorCode::AlreadyAdopted => "That event is a Sala booking already.",
        ErrorCode::AlreadyDelivered => "That message was delivered already.",
        ErrorCode::ApiKeyCollision => "The key could not be made. Please try again.",
        ErrorCode::BookingCancelled => "This booking is cancelled.",
        ErrorCode::BookingConflict => "That room is already booked at that time.",
        ErrorCode::BookingEnded => "This meeting has ended.",
        ErrorCode::BookingNotConfirmed => "The booking was cancelled or released meanwhile.",
        ErrorCode::BookingReleased => {
            "The room was released because nobody checked in; this booking is no longer active."
        }
        ErrorCode::ByNeedsMonthly => "Only a monthly series chooses a day of the month (`by`).",
        ErrorCode::CalendarInvalid => "The file is not a calendar that can be read (.ics): check the line named.",
        ErrorCode::CalendarUnreadable => {
            "Sala could not read the room's Google calendar: connect your Google Calendar or give the service account access, and share the room's calendar."
        }
        ErrorCode::CalendarNotGranted => {
            "Google did not grant access to the calendar: tick the calendar box on Google's screen."
        }
        ErrorCode::CheckInNotOpen => "Check-in opens 15 minutes before the meeting.",
        ErrorCode::CheckedIn => "Someone has checked in to this booking already.",
        ErrorCode::CsrfFailed => "The form expired. Go back, reload the page and try again.",
        ErrorCode::DatabaseUnavailable => {
            "Sala cannot reach its database just now and nothing was saved. Try again in a moment."
        }
        ErrorCode::DuplicateAttendee => "A guest is listed twice.",
        ErrorCode::DuplicateReminder => "A reminder is listed twice.",
        ErrorCode::EmailMissing => "Google did not share a valid email address.",
        ErrorCode::EmailNotVerified => "Google has not verified this email address.",
        ErrorCode::ExportTooLarge => "That range has too many bookings for one export: ask for a shorter one.",
        ErrorCode::FeedNeedsPerson => "A calendar of “my meetings” belongs to a person: ask for it signed in.",
        ErrorCode::InvalidFeedScope => "Choose which calendar: my meetings, a room or the whole organization.",
        ErrorCode::TooManyFeeds => "You already have 20 calendar feeds: revoke one before making another.",
        ErrorCode::WorkspaceAccountRequired => {
            "This organization lets in only its Google Workspace accounts: sign in with your work account."
        }
        ErrorCode::GoogleAccountMismatch => {
            "This person signs in with another Google account. If they changed it, ask an administrator to unlink it."
        }
        ErrorCode::EndBeforeStart => "The end must be after the start.",
        ErrorCode::Forbidden => "You are not allowed to do this.",
        ErrorCode::GoogleAccountTaken => "That Google account is linked to someone else already.",
        ErrorCode::IdempotencyKeyInUse => "A request with this Idempotency-Key is in progress.",
        ErrorCode::IdempotencyKeyReused => "This Idempotency-Key was used with a different request.",
        ErrorCode::InThePast => "That time has passed.",
        ErrorCode::InsufficientScope => "This API key lacks the scope needed.",
        ErrorCode::InternalError => "Something went wrong on our side. Please try again.",
        ErrorCode::InvalidBody => "The data sent does not have the expected shape.",
        ErrorCode::InvalidBookableHours => "Hours must read like “mon-fri 08:00-20:00”, opening before closing.",
        ErrorCode::InvalidCalendarService => {
            "Choose the calendar service: Google, or Microsoft once the Microsoft Entra tenant id is set."
        }
        ErrorCode::InvalidCapacity => "The capacity must be between 1 and 1000 people.",
        ErrorCode::InvalidCharacters => "The text has characters that are not accepted.",
        ErrorCode::InvalidCount => "Enter a number of times from 2 to 156, or an end date.",
        ErrorCode::InvalidCursor => "That page cursor is not valid; use the previous page's.",
        ErrorCode::InvalidDate => "Enter a valid date.",
        ErrorCode::InvalidDatetime => "Enter a valid date and time.",
        ErrorCode::InvalidDomain => "That email domain is not valid.",
        ErrorCode::InvalidEmail => "One of the addresses is not valid.",
        ErrorCode::InvalidEntraTenant => {
            "A Microsoft Entra tenant id is a GUID, such as 72f988bf-86f1-41af-91ab-2d7cd011db47."
        }
        ErrorCode::InvalidEquipment => "Equipment is short lower-case tags separated by commas (at most 20).",
        ErrorCode::InvalidFormat => "That format does not exist.",
        ErrorCode::InvalidGrace => "The grace period is not valid.",
        ErrorCode::InvalidId => "That id is not valid.",
        ErrorCode::InvalidIdempotencyKey => "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
        ErrorCode::InvalidIfMatch => "Send the version you got in If-Match, like \"3\".",
        ErrorCode::InvalidInterval => "The repeat interval is not valid.",
        ErrorCode::InvalidJson => "The data sent is not valid JSON.",
        ErrorCode::InvalidLocale => "The language must be es or en.",
        ErrorCode::InvalidMetadata => "Metadata must be a JSON object.",
        ErrorCode::InvalidPhone => "Enter a valid phone number with its international prefix, like +34 612 345 678.",
        ErrorCode::InvalidPhoneNumberId => "The WhatsApp phone number id is not valid.",
        ErrorCode::InvalidQuery => "The address's parameters are not valid.",
        ErrorCode::InvalidRange => "The date range is not valid.",
        ErrorCode::InvalidReminder => "Reminders go from 1 minute to a week before.",
        ErrorCode::InvalidRole => "The role must be admin or member.",
        ErrorCode::InvalidRoomKind => "The room must be physical or virtual.",
        ErrorCode::InvalidMaxMeetings => "Meetings at once go from 1 to 1000 (empty: no limit).",
        ErrorCode::InvalidVideoLink => "The video link must be an https address.",
        ErrorCode::RoomKindFixed => "A room's kind does not change once made: create another room.",
        ErrorCode::InvalidRules => {
            "The booking rules are not valid (release minutes between 1 and 240, 0 on a room: never)."
        }
        ErrorCode::InvalidScope => "Choose at least one valid scope.",
        ErrorCode::InvalidSecret => "The signing secret is not valid.",
        ErrorCode::InvalidServiceAccount => "That is not a Google service account's JSON key file.",
        ErrorCode::InvalidSlug => "The short name takes lower-case letters, digits and hyphens only.",
        ErrorCode::InvalidStatus => "That status does not exist.",
        ErrorCode::InvalidTimeZone => "That time zone does not exist; use an IANA name like Europe/Madrid.",
        ErrorCode::InvalidToken => "The access token is not valid.",
        ErrorCode::InvalidWebhookUrl => "The webhook address must be https and not point to a private network.",
        ErrorCode::LastAdmin => "You cannot remove your own admin role.",
        ErrorCode::LinkExpired => "This link has expired: scan the code on the door again.",
        ErrorCode::MetadataTooLarge => "Metadata holds at most 50 keys and 4 KiB.",
        ErrorCode::MicrosoftAccountMismatch => {
            "This person signs in with another Microsoft account. If they changed it, ask an administrator to unlink it."
        }
        ErrorCode::MicrosoftAccountTaken => "That Microsoft account is linked to another person already.",
        ErrorCode::NoEvents => "Choose at least one event.",
        ErrorCode::NoMeetingNow => "There is no meeting in this room to check in to right now.",
        ErrorCode::NoRefreshToken => "Google sent no lasting permission; please try again.",
        ErrorCode::NotFound => "It does not exist, or you cannot see it.",
        ErrorCode::NotInvited => "That person is not invited to the meeting.",
        ErrorCode::NotLastWeekday => {
            "To repeat on the last weekday of each month, the first date must be the last of its month."
        }
        ErrorCode::NotReady => "The database does not answer.",
        ErrorCode::OrganizerInactive => "The organizer's account is deactivated.",
        ErrorCode::OrganizerRequired => "Name who organizes the meeting.",
        ErrorCode::OtherGoogleAccount => "Connect the Google account you sign in with.",
        ErrorCode::OutOfRange => "The value is out of the accepted range.",
        ErrorCode::OutsideBookableHours => "The room cannot be booked at that time.",
        ErrorCode::OverCapacity => "There are more people than the room seats.",
        ErrorCode::PayloadTooLarge => "The data sent is too large.",
        ErrorCode::PerPersonReportsOff => {
            "Your organization has switched off per-person figures in reports: only aggregates exist."
        }
        ErrorCode::PhoneRequired => "WhatsApp needs a phone number.",
        ErrorCode::RateLimited => "Too many requests. Wait a little and try again.",
        ErrorCode::ReadOnly => "Sala can only read data just now and nothing was saved. Try again later.",
        ErrorCode::RecurrenceNeedsEnd => "Say how many times it repeats or until when.",
        ErrorCode::Required => "This field is required.",
        ErrorCode::RoomInactive => "That room is out of service; choose another.",
        ErrorCode::RoomNameTaken => "A room with that name exists already.",
        ErrorCode::RoomWithoutCalendar => "That room has no Google calendar: add it on the room's page.",
        ErrorCode::SignInExpired => "Your sign-in expired. Please sign in again.",
        ErrorCode::StorageFull => {
            "The database is full and nothing was saved. Tell whoever runs Sala, and try again later."
        }
        ErrorCode::TenantDomainTaken => "That email domain belongs to another organization already.",
        ErrorCode::TenantEntraTaken => "That Microsoft Entra tenant belongs to another organization already.",
        ErrorCode::TenantSlugTaken => "An organization with that short name exists already.",
        ErrorCode::TooFarAhead => "It cannot be booked that far ahead.",
        ErrorCode::TooLittleNotice => "It must be booked with more notice.",
        ErrorCode::TooLong => "The text is too long.",
        ErrorCode::TooManyActiveBookings => "You hold the most upcoming bookings allowed already.",
        ErrorCode::TooManyAttendees => "At most 100 guests.",
        ErrorCode::TooManyEquipmentTags => "At most 20 equipment tags.",
        ErrorCode::TooManyOccurrences => "A series has at most 156 occurrences.",
        ErrorCode::TooManyReminders => "At most four reminders.",
        ErrorCode::TooShort => "The meeting is shorter than the rules allow.",
        ErrorCode::Unauthenticated => "Sign in, or send a valid API key.",
        ErrorCode::UnknownDomain => "No organization uses Sala with that domain. Ask your administrator to set it up.",
        ErrorCode::UnknownEntraTenant => {
            "Your Microsoft organization does not use Sala yet; ask your administrator to link it in Admin > Settings."
        }
        ErrorCode::UnknownEvent => "That webhook event does not exist.",
        ErrorCode::UnknownOrganizer => "The organizer must be a person of your organization.",
        ErrorCode::UnknownRoom => "Choose a room of your organization.",
        ErrorCode::UnsupportedMediaType => "Send the data as JSON.",
        ErrorCode::UnlistedDomain => {
            "Your account's domain is not one of your organization's email domains in Sala; ask your administrator to add it."
        }
        ErrorCode::UntilBeforeStart => "The series' end date is before its start.",
        ErrorCode::UserEmailTaken => "A person with that email exists already.",
        ErrorCode::ValidationFailed => "Some data needs correcting.",
        ErrorCode::VersionMismatch => {
            "Someone changed this booking while you were editing it. Check the details and save again."
        }
        ErrorCode::WeekdaysInterval => "A Monday-to-Friday series repeats every week (interval 1).",
        ErrorCode::WeekdaysStartsOnWeekend => "A Monday-to-Friday series must start on a weekday.",
        ErrorCode::WindowTooLong => "Ask for at most 31 days at a time.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_words_of_its_own_in_each_language() {
        for code in ErrorCode::ALL {
            let (es, en) = (refusal(Locale::Es, *code), refusal(Locale::En, *code));
            assert!(!es.is_empty() && !en.is_empty() && es != en, "{code}");
            assert!(!es.contains(code.as_str()), "{code}: no raw code on a page");
        }
    }
}
