//! Orthanc's error codes (`ErrorCode_*`, `Orthanc --errors`): the one list of the numbers and
//! descriptions that dicomq's jobs record (`ErrorCode`, `ErrorDescription` of a job) and its
//! REST API answers with (`OrthancStatus`, `OrthancError`).

/// Declares the enum, its number and its description from one table.
macro_rules! orthanc_codes {
    ($($name:ident = $code:literal => $text:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum OrthancCode {
            $($name,)*
        }

        impl OrthancCode {
            /// Orthanc's number for the code.
            pub const fn code(self) -> i32 {
                match self {
                    $(OrthancCode::$name => $code,)*
                }
            }

            /// Orthanc's `EnumerationToString(ErrorCode)`.
            pub const fn description(self) -> &'static str {
                match self {
                    $(OrthancCode::$name => $text,)*
                }
            }

            /// The code with this number, if Orthanc defines it (among those listed here).
            pub fn from_code(code: i32) -> Option<OrthancCode> {
                match code {
                    $($code => Some(OrthancCode::$name),)*
                    _ => None,
                }
            }
        }
    };
}

orthanc_codes! {
    InternalError = -1 => "Internal error",
    Success = 0 => "Success",
    Plugin = 1 => "Error encountered within the plugin engine",
    NotImplemented = 2 => "Not implemented yet",
    ParameterOutOfRange = 3 => "Parameter out of range",
    NotEnoughMemory = 4 => "The server hosting Orthanc is running out of memory",
    BadParameterType = 5 => "Bad type for a parameter",
    BadSequenceOfCalls = 6 => "Bad sequence of calls",
    InexistentItem = 7 => "Accessing an inexistent item",
    BadRequest = 8 => "Bad request",
    NetworkProtocol = 9 => "Error in the network protocol",
    SystemCommand = 10 => "Error while calling a system command",
    Database = 11 => "Error with the database engine",
    UriSyntax = 12 => "Badly formatted URI",
    InexistentFile = 13 => "Inexistent file",
    CannotWriteFile = 14 => "Cannot write to file",
    BadFileFormat = 15 => "Bad file format",
    Timeout = 16 => "Timeout",
    UnknownResource = 17 => "Unknown resource",
    IncompatibleDatabaseVersion = 18 => "Incompatible version of the database",
    FullStorage = 19 => "The file storage is full",
    CorruptedFile = 20 => "Corrupted file (e.g. inconsistent MD5 hash)",
    InexistentTag = 21 => "Inexistent tag",
    ReadOnly = 22 => "Cannot modify a read-only data structure",
    IncompatibleImageFormat = 23 => "Incompatible format of the images",
    IncompatibleImageSize = 24 => "Incompatible size of the images",
    SharedLibrary = 25 => "Error while using a shared library (plugin)",
    UnknownPluginService = 26 => "Plugin invoking an unknown service",
    UnknownDicomTag = 27 => "Unknown DICOM tag",
    BadJson = 28 => "Cannot parse a JSON document",
    Unauthorized = 29 => "Bad credentials were provided to an HTTP request",
    BadFont = 30 => "Badly formatted font file",
    DatabasePlugin = 31 => "The plugin implementing a custom database back-end does not fulfill the proper interface",
    StorageAreaPlugin = 32 => "Error in the plugin implementing a custom storage area",
    EmptyRequest = 33 => "The request is empty",
    NotAcceptable = 34 => "Cannot send a response which is acceptable according to the Accept HTTP header",
    NullPointer = 35 => "Cannot handle a NULL pointer",
    DatabaseUnavailable = 36 => "The database is currently not available (probably a transient situation)",
    CanceledJob = 37 => "This job was canceled",
    CannotStoreInstance = 2018 => "Cannot store an instance",
    CreateDicomBadParent = 2024 => "Trying to attach a new DICOM instance to an inexistent resource",
    CreateDicomParentIsInstance = 2025 => "Trying to attach a new DICOM instance to an instance (must be a series, study or patient)",
}

/// The description of a job's `ErrorCode`, whatever number it holds.
pub fn description_of(code: i32) -> &'static str {
    OrthancCode::from_code(code).map_or("Unknown error code", OrthancCode::description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_descriptions_are_orthancs() {
        assert_eq!(OrthancCode::CanceledJob.code(), 37);
        assert_eq!(OrthancCode::InternalError.code(), -1);
        assert_eq!(OrthancCode::CreateDicomParentIsInstance.code(), 2025);
        assert_eq!(description_of(37), "This job was canceled");
        assert_eq!(description_of(15), "Bad file format");
        assert_eq!(description_of(99), "Unknown error code");
        for n in -1..=37 {
            let c = OrthancCode::from_code(n).expect("every code from -1 to 37 is listed");
            assert_eq!(c.code(), n);
        }
    }
}
