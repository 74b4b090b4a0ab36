
use builtin;
use str;

set edit:completion:arg-completer[dicomq] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'dicomq'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'dicomq'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand store 'Import DICOM files and folders (recursive) into the store'
            cand ls 'List patients, studies, series or instances'
            cand show 'Show one resource (Orthanc''s JSON shape), or all tags of an instance'
            cand find 'Search by DICOM tags (Orthanc''s /tools/find): find PatientName=''DOE*'''
            cand rm 'Delete resources, their descendants and their files'
            cand create-dicom 'DICOM-ize a PDF, PNG, JPEG or 3D model (Orthanc''s create-dicom); prints the new instance ID'
            cand pdf 'Write back the PDF embedded in an instance, byte for byte'
            cand archive 'ZIP archive or DICOMDIR media of patients, studies, series or instances'
            cand modify 'Modify a patient, study or series into a new one (Orthanc''s modify); prints its ID'
            cand split 'Move series or instances of a study to one new study (Orthanc''s split); prints its ID'
            cand merge 'Move studies, series or instances into a study (Orthanc''s merge); prints its ID'
            cand anonymize 'De-identify a patient, study or series into a new one (Orthanc''s anonymize); prints its ID'
            cand send 'Send patients, studies, series or instances to a modality (C-STORE) or, with --peer, to an Orthanc peer'
            cand echo 'Check that a modality answers (C-ECHO)'
            cand modalities 'The DICOM modalities of the configuration (DicomModalities)'
            cand peers 'The Orthanc peers of the configuration (OrthancPeers)'
            cand changes 'The changes log: what was stored and deleted, in order (--follow to keep watching)'
            cand jobs 'List, inspect and control jobs'
            cand metrics 'Prometheus metrics (Orthanc''s names), or switch their collection'
            cand debug 'Tools for testing dicomq itself'
            cand check 'Compare the index with the stored files; --repair fixes what it can'
            cand daemon 'Run the daemon in the foreground (logs on stderr; stop with SIGTERM or Ctrl-C)'
            cand completions 'Print a shell completion script'
            cand status 'Daemon up or not, jobs by state, store counts and sizes, free space (exit 3: no daemon)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;store'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;ls'= {
            cand --parent 'Only resources under this patient, study or series (ID or unique prefix)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;show'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --tags 'All tags of an instance, readable (with --json: Orthanc''s /tags shape)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;find'= {
            cand --level 'The level searched'
            cand --since 'Skip the first N matches (in the order they were stored)'
            cand --limit 'At most N matches (0: all)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand -i 'Match text without regard to case (Orthanc''s CaseSensitive: false)'
            cand --ignore-case 'Match text without regard to case (Orthanc''s CaseSensitive: false)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;rm'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;create-dicom'= {
            cand --pdf 'A PDF file to encapsulate (Encapsulated PDF Storage)'
            cand --image 'A PNG or JPEG (recognised by content); several make one series (Secondary Capture)'
            cand --model 'A 3D model: STL (by extension or content), OBJ or MTL (by extension); one instance (Encapsulated STL, OBJ or MTL)'
            cand --request 'Orthanc''s create-dicom JSON body (Tags with sequences, Content, Parent, PrivateCreator, Force, InterpretBinaryTags; or the legacy body without Tags)'
            cand --tag 'A tag by keyword or number: PatientName=Doe^John, 0010,0020=42'
            cand --parent 'Place the instance under this patient, study or series, inheriting its tags'
            cand --private-creator 'Private creator to choose between Dictionary entries'
            cand -o 'Also write the DICOM file here (atomically)'
            cand --output 'Also write the DICOM file here (atomically)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --encapsulate 'Keep the JPEG given with --image as it is (JPEG Baseline transfer syntax, no decoding)'
            cand --force 'Allow changing inherited tags and UIDs'
            cand --no-store 'Do not store the instance (needs -o)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;pdf'= {
            cand -o 'Write the PDF here (default: stdout when it is not a terminal)'
            cand --output 'Write the PDF here (default: stdout when it is not a terminal)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;archive'= {
            cand -o 'Where to write the ZIP (''-'' for stdout; default: <first ID>.zip here)'
            cand --output 'Where to write the ZIP (''-'' for stdout; default: <first ID>.zip here)'
            cand --compression 'How entries are stored'
            cand --priority 'Job priority (higher runs first)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --media 'DICOMDIR media: IMAGES/IM0... and a DICOMDIR (Type Media)'
            cand --extended 'With --media: add SeriesDescription to the DICOMDIR''s SERIES records'
            cand --ascii-names 'Drop non-ASCII characters from folder and file names (Orthanc''s default)'
            cand --async 'Print the job ID and return at once (needs a running daemon); fetch the result with `jobs output ID -o FILE`'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'dicomq;modify'= {
            cand --replace 'Set a tag (keyword or gggg,eeee) to a value, checked against its VR (a sequence in JSON: Tag=[{...}]); repeatable'
            cand --remove 'Remove a tag; repeatable'
            cand --keep 'Keep a tag as it is (with --force: a Study/Series/SOP Instance UID keeps its value)'
            cand --private-creator 'The private creator of private tags given by number'
            cand --priority 'Job priority (higher runs first)'
            cand --step-delay-ms 'Test hook: sleep this long in every step'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --remove-private-tags 'Remove every private tag'
            cand --force 'Allow replacing or keeping PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID'
            cand --keep-source 'Keep the source resource (the default)'
            cand --no-keep-source 'Delete the source once every modified instance is stored'
            cand --async 'Print the job ID and return at once (needs a running daemon)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;split'= {
            cand --series 'A series of the study to move to the new study; repeatable'
            cand --instances 'An instance of the study to move to the new study; repeatable'
            cand --replace 'Set a Patient or General Study module tag of the new study; repeatable'
            cand --remove 'Remove a Patient or General Study module tag from the new study; repeatable'
            cand --priority 'Job priority (higher runs first)'
            cand --step-delay-ms 'Test hook: sleep this long in every step'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --keep-source 'Keep the sources (by default they are deleted once every moved instance is stored)'
            cand --async 'Print the job ID and return at once (needs a running daemon)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;merge'= {
            cand --priority 'Job priority (higher runs first)'
            cand --step-delay-ms 'Test hook: sleep this long in every step'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --keep-source 'Keep the sources (by default they are deleted once every moved instance is stored)'
            cand --async 'Print the job ID and return at once (needs a running daemon)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;anonymize'= {
            cand --profile 'The PS3.15 Table E.1-1 edition, as Orthanc''s DicomVersion (2008 has no table here)'
            cand --keep 'Leave a tag as it is (a kept sequence is kept whole); repeatable'
            cand --replace 'Then set a tag (keyword or gggg,eeee) to a value; repeatable'
            cand --remove 'Then remove a tag; repeatable'
            cand --priority 'Job priority (higher runs first)'
            cand --step-delay-ms 'Test hook: sleep this long in every step'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --keep-private-tags 'Keep private tags (removed by default)'
            cand --force 'Allow replacing or keeping PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID'
            cand --consistent 'The same source gets the same pseudonyms (UIDs, PatientID, PatientName) in every job, keyed by a secret made once in the data home (beyond Orthanc)'
            cand --no-keep-source 'Delete the source once every anonymized instance is stored (it is kept by default)'
            cand --async 'Print the job ID and return at once (needs a running daemon)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;send'= {
            cand --peer 'Send to this Orthanc peer (a name of OrthancPeers) over HTTP instead'
            cand --priority 'Job priority (higher runs first)'
            cand --step-delay-ms 'Test hook: sleep this long in every step'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --permissive 'Go on when an instance is refused (counted in FailedInstancesCount)'
            cand --compress 'With --peer: gzip each instance (the peer must be Orthanc 1.6.0 or later)'
            cand --async 'Print the job ID and return at once (needs a running daemon)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;echo'= {
            cand --timeout 'Seconds to wait for the modality (default: its Timeout, else DicomScuTimeout)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;modalities'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand ls 'List them (Orthanc''s long form with --json)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;modalities;ls'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;modalities;help'= {
            cand ls 'List them (Orthanc''s long form with --json)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;modalities;help;ls'= {
        }
        &'dicomq;modalities;help;help'= {
        }
        &'dicomq;peers'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand ls 'List them (Orthanc''s long form with --json)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;peers;ls'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;peers;help'= {
            cand ls 'List them (Orthanc''s long form with --json)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;peers;help;ls'= {
        }
        &'dicomq;peers;help;help'= {
        }
        &'dicomq;changes'= {
            cand --since 'Only the changes after this one (the `Last` of a previous call)'
            cand --limit 'At most this many changes (1 to 10000)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand -f 'Keep printing new changes as they come (until interrupted)'
            cand --follow 'Keep printing new changes as they come (until interrupted)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand ls 'Table of jobs (--json: Orthanc''s /jobs?expand)'
            cand show 'One job: a readable block on a terminal; Orthanc''s GET /jobs/{id} when piped or --json'
            cand wait 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)'
            cand cancel 'Cancel a job (it ends in Failure)'
            cand pause 'Pause a job at its next step boundary'
            cand resume 'Resume a paused job'
            cand resubmit 'Run a failed job again'
            cand output 'Fetch a finished job''s output (an archive); stdout when no -o and stdout is not a terminal'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;jobs;ls'= {
            cand --state 'Only jobs in these states (Pending, Running, Success, Failure, Paused, Retry)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand -w 'Refresh the table in place until Ctrl-C (exit 130)'
            cand --watch 'Refresh the table in place until Ctrl-C (exit 130)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs;show'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs;wait'= {
            cand --timeout 'Give up after this many seconds (exit 1, the job goes on)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs;cancel'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs;pause'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs;resume'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs;resubmit'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs;output'= {
            cand -o 'Where to write it (''-'' for stdout)'
            cand --output 'Where to write it (''-'' for stdout)'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;jobs;help'= {
            cand ls 'Table of jobs (--json: Orthanc''s /jobs?expand)'
            cand show 'One job: a readable block on a terminal; Orthanc''s GET /jobs/{id} when piped or --json'
            cand wait 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)'
            cand cancel 'Cancel a job (it ends in Failure)'
            cand pause 'Pause a job at its next step boundary'
            cand resume 'Resume a paused job'
            cand resubmit 'Run a failed job again'
            cand output 'Fetch a finished job''s output (an archive); stdout when no -o and stdout is not a terminal'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;jobs;help;ls'= {
        }
        &'dicomq;jobs;help;show'= {
        }
        &'dicomq;jobs;help;wait'= {
        }
        &'dicomq;jobs;help;cancel'= {
        }
        &'dicomq;jobs;help;pause'= {
        }
        &'dicomq;jobs;help;resume'= {
        }
        &'dicomq;jobs;help;resubmit'= {
        }
        &'dicomq;jobs;help;output'= {
        }
        &'dicomq;jobs;help;help'= {
        }
        &'dicomq;metrics'= {
            cand --textfile 'Write the exposition to FILE atomically (for node_exporter''s textfile collector) instead of stdout'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand enable 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)'
            cand disable 'Stop collecting; the exposition becomes empty, as Orthanc''s (kept across restarts)'
            cand status 'Print whether metrics are enabled'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;metrics;enable'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;metrics;disable'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;metrics;status'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;metrics;help'= {
            cand enable 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)'
            cand disable 'Stop collecting; the exposition becomes empty, as Orthanc''s (kept across restarts)'
            cand status 'Print whether metrics are enabled'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;metrics;help;enable'= {
        }
        &'dicomq;metrics;help;disable'= {
        }
        &'dicomq;metrics;help;status'= {
        }
        &'dicomq;metrics;help;help'= {
        }
        &'dicomq;debug'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
            cand sleep-job 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;debug;sleep-job'= {
            cand --steps 'steps'
            cand --step-ms 'step-ms'
            cand --fail-at 'The step that fails (for resubmit tests)'
            cand --priority 'priority'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --async 'Print the job ID and return at once (needs a running daemon)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;debug;help'= {
            cand sleep-job 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;debug;help;sleep-job'= {
        }
        &'dicomq;debug;help;help'= {
        }
        &'dicomq;check'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --repair 'Index the stored files that have no row, drop the rows whose file is gone (one transaction), and delete the outputs of jobs that no longer exist'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;daemon'= {
            cand --http 'Serve the Orthanc-compatible REST API on this address (e.g. 127.0.0.1:8042); default: HttpPort from the config, if set'
            cand --dicom 'Receive from modalities: run the C-ECHO/C-STORE SCP on [ADDR:]PORT (a port alone listens on every interface, as Orthanc does); default: DicomPort from the config, if set'
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --no-jobs 'Do not recover nor run jobs; the stored jobs are kept as they are'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;completions'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;status'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process (or a PostgreSQL server)'
            cand --index 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index'
            cand --color 'When to use colours (NO_COLOR is honoured)'
            cand --json 'Print Orthanc''s JSON shapes instead of tables'
            cand -q 'Print nothing but data and errors'
            cand --quiet 'Print nothing but data and errors'
            cand -v 'Log more (repeat for more); RUST_LOG overrides'
            cand --verbose 'Log more (repeat for more); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dicomq;help'= {
            cand store 'Import DICOM files and folders (recursive) into the store'
            cand ls 'List patients, studies, series or instances'
            cand show 'Show one resource (Orthanc''s JSON shape), or all tags of an instance'
            cand find 'Search by DICOM tags (Orthanc''s /tools/find): find PatientName=''DOE*'''
            cand rm 'Delete resources, their descendants and their files'
            cand create-dicom 'DICOM-ize a PDF, PNG, JPEG or 3D model (Orthanc''s create-dicom); prints the new instance ID'
            cand pdf 'Write back the PDF embedded in an instance, byte for byte'
            cand archive 'ZIP archive or DICOMDIR media of patients, studies, series or instances'
            cand modify 'Modify a patient, study or series into a new one (Orthanc''s modify); prints its ID'
            cand split 'Move series or instances of a study to one new study (Orthanc''s split); prints its ID'
            cand merge 'Move studies, series or instances into a study (Orthanc''s merge); prints its ID'
            cand anonymize 'De-identify a patient, study or series into a new one (Orthanc''s anonymize); prints its ID'
            cand send 'Send patients, studies, series or instances to a modality (C-STORE) or, with --peer, to an Orthanc peer'
            cand echo 'Check that a modality answers (C-ECHO)'
            cand modalities 'The DICOM modalities of the configuration (DicomModalities)'
            cand peers 'The Orthanc peers of the configuration (OrthancPeers)'
            cand changes 'The changes log: what was stored and deleted, in order (--follow to keep watching)'
            cand jobs 'List, inspect and control jobs'
            cand metrics 'Prometheus metrics (Orthanc''s names), or switch their collection'
            cand debug 'Tools for testing dicomq itself'
            cand check 'Compare the index with the stored files; --repair fixes what it can'
            cand daemon 'Run the daemon in the foreground (logs on stderr; stop with SIGTERM or Ctrl-C)'
            cand completions 'Print a shell completion script'
            cand status 'Daemon up or not, jobs by state, store counts and sizes, free space (exit 3: no daemon)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;help;store'= {
        }
        &'dicomq;help;ls'= {
        }
        &'dicomq;help;show'= {
        }
        &'dicomq;help;find'= {
        }
        &'dicomq;help;rm'= {
        }
        &'dicomq;help;create-dicom'= {
        }
        &'dicomq;help;pdf'= {
        }
        &'dicomq;help;archive'= {
        }
        &'dicomq;help;modify'= {
        }
        &'dicomq;help;split'= {
        }
        &'dicomq;help;merge'= {
        }
        &'dicomq;help;anonymize'= {
        }
        &'dicomq;help;send'= {
        }
        &'dicomq;help;echo'= {
        }
        &'dicomq;help;modalities'= {
            cand ls 'List them (Orthanc''s long form with --json)'
        }
        &'dicomq;help;modalities;ls'= {
        }
        &'dicomq;help;peers'= {
            cand ls 'List them (Orthanc''s long form with --json)'
        }
        &'dicomq;help;peers;ls'= {
        }
        &'dicomq;help;changes'= {
        }
        &'dicomq;help;jobs'= {
            cand ls 'Table of jobs (--json: Orthanc''s /jobs?expand)'
            cand show 'One job: a readable block on a terminal; Orthanc''s GET /jobs/{id} when piped or --json'
            cand wait 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)'
            cand cancel 'Cancel a job (it ends in Failure)'
            cand pause 'Pause a job at its next step boundary'
            cand resume 'Resume a paused job'
            cand resubmit 'Run a failed job again'
            cand output 'Fetch a finished job''s output (an archive); stdout when no -o and stdout is not a terminal'
        }
        &'dicomq;help;jobs;ls'= {
        }
        &'dicomq;help;jobs;show'= {
        }
        &'dicomq;help;jobs;wait'= {
        }
        &'dicomq;help;jobs;cancel'= {
        }
        &'dicomq;help;jobs;pause'= {
        }
        &'dicomq;help;jobs;resume'= {
        }
        &'dicomq;help;jobs;resubmit'= {
        }
        &'dicomq;help;jobs;output'= {
        }
        &'dicomq;help;metrics'= {
            cand enable 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)'
            cand disable 'Stop collecting; the exposition becomes empty, as Orthanc''s (kept across restarts)'
            cand status 'Print whether metrics are enabled'
        }
        &'dicomq;help;metrics;enable'= {
        }
        &'dicomq;help;metrics;disable'= {
        }
        &'dicomq;help;metrics;status'= {
        }
        &'dicomq;help;debug'= {
            cand sleep-job 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine'
        }
        &'dicomq;help;debug;sleep-job'= {
        }
        &'dicomq;help;check'= {
        }
        &'dicomq;help;daemon'= {
        }
        &'dicomq;help;completions'= {
        }
        &'dicomq;help;status'= {
        }
        &'dicomq;help;help'= {
        }
    ]
    $completions[$command]
}
