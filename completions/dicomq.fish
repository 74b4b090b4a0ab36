# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_dicomq_global_optspecs
    string join \n home= config= json q/quiet v/verbose lock-timeout= index= color= h/help V/version
end

function __fish_dicomq_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_dicomq_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_dicomq_using_subcommand
    set -l cmd (__fish_dicomq_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c dicomq -n "__fish_dicomq_needs_command" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_needs_command" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_needs_command" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_needs_command" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_needs_command" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_needs_command" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_needs_command" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_needs_command" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dicomq -n "__fish_dicomq_needs_command" -s V -l version -d 'Print version'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "store" -d 'Import DICOM files and folders (recursive) into the store'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "ls" -d 'List patients, studies, series or instances'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "show" -d 'Show one resource (Orthanc\'s JSON shape), or all tags of an instance'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "find" -d 'Search by DICOM tags (Orthanc\'s /tools/find): find PatientName=\'DOE*\''
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "rm" -d 'Delete resources, their descendants and their files'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "create-dicom" -d 'DICOM-ize a PDF, PNG, JPEG or 3D model (Orthanc\'s create-dicom); prints the new instance ID'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "pdf" -d 'Write back the PDF embedded in an instance, byte for byte'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "archive" -d 'ZIP archive or DICOMDIR media of patients, studies, series or instances'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "modify" -d 'Modify a patient, study or series into a new one (Orthanc\'s modify); prints its ID'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "split" -d 'Move series or instances of a study to one new study (Orthanc\'s split); prints its ID'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "merge" -d 'Move studies, series or instances into a study (Orthanc\'s merge); prints its ID'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "anonymize" -d 'De-identify a patient, study or series into a new one (Orthanc\'s anonymize); prints its ID'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "send" -d 'Send patients, studies, series or instances to a modality (C-STORE) or, with --peer, to an Orthanc peer'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "echo" -d 'Check that a modality answers (C-ECHO)'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "modalities" -d 'The DICOM modalities of the configuration (DicomModalities)'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "peers" -d 'The Orthanc peers of the configuration (OrthancPeers)'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "changes" -d 'The changes log: what was stored and deleted, in order (--follow to keep watching)'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "jobs" -d 'List, inspect and control jobs'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "metrics" -d 'Prometheus metrics (Orthanc\'s names), or switch their collection'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "debug" -d 'Tools for testing dicomq itself'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "check" -d 'Compare the index with the stored files; --repair fixes what it can'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "daemon" -d 'Run the daemon in the foreground (logs on stderr; stop with SIGTERM or Ctrl-C)'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "status" -d 'Daemon up or not, jobs by state, store counts and sizes, free space (exit 3: no daemon)'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l parent -d 'Only resources under this patient, study or series (ID or unique prefix)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l tags -d 'All tags of an instance, readable (with --json: Orthanc\'s /tags shape)'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l level -d 'The level searched' -r -f -a "patients\t''
studies\t''
series\t''
instances\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l since -d 'Skip the first N matches (in the order they were stored)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l limit -d 'At most N matches (0: all)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -s i -l ignore-case -d 'Match text without regard to case (Orthanc\'s CaseSensitive: false)'
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand find" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l pdf -d 'A PDF file to encapsulate (Encapsulated PDF Storage)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l image -d 'A PNG or JPEG (recognised by content); several make one series (Secondary Capture)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l model -d 'A 3D model: STL (by extension or content), OBJ or MTL (by extension); one instance (Encapsulated STL, OBJ or MTL)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l request -d 'Orthanc\'s create-dicom JSON body (Tags with sequences, Content, Parent, PrivateCreator, Force, InterpretBinaryTags; or the legacy body without Tags)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l tag -d 'A tag by keyword or number: PatientName=Doe^John, 0010,0020=42' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l parent -d 'Place the instance under this patient, study or series, inheriting its tags' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l private-creator -d 'Private creator to choose between Dictionary entries' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -s o -l output -d 'Also write the DICOM file here (atomically)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l encapsulate -d 'Keep the JPEG given with --image as it is (JPEG Baseline transfer syntax, no decoding)'
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l force -d 'Allow changing inherited tags and UIDs'
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l no-store -d 'Do not store the instance (needs -o)'
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand create-dicom" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -s o -l output -d 'Write the PDF here (default: stdout when it is not a terminal)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand pdf" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -s o -l output -d 'Where to write the ZIP (\'-\' for stdout; default: <first ID>.zip here)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l compression -d 'How entries are stored' -r -f -a "deflate\t'Deflate, level 6 (as Orthanc)'
store\t'No compression: faster, larger'"
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l priority -d 'Job priority (higher runs first)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l media -d 'DICOMDIR media: IMAGES/IM0... and a DICOMDIR (Type Media)'
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l extended -d 'With --media: add SeriesDescription to the DICOMDIR\'s SERIES records'
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l ascii-names -d 'Drop non-ASCII characters from folder and file names (Orthanc\'s default)'
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l async -d 'Print the job ID and return at once (needs a running daemon); fetch the result with `jobs output ID -o FILE`'
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand archive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l replace -d 'Set a tag (keyword or gggg,eeee) to a value, checked against its VR (a sequence in JSON: Tag=[{...}]); repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l remove -d 'Remove a tag; repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l keep -d 'Keep a tag as it is (with --force: a Study/Series/SOP Instance UID keeps its value)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l private-creator -d 'The private creator of private tags given by number' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l priority -d 'Job priority (higher runs first)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l step-delay-ms -d 'Test hook: sleep this long in every step' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l remove-private-tags -d 'Remove every private tag'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l force -d 'Allow replacing or keeping PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l keep-source -d 'Keep the source resource (the default)'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l no-keep-source -d 'Delete the source once every modified instance is stored'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l async -d 'Print the job ID and return at once (needs a running daemon)'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand modify" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l series -d 'A series of the study to move to the new study; repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l instances -d 'An instance of the study to move to the new study; repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l replace -d 'Set a Patient or General Study module tag of the new study; repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l remove -d 'Remove a Patient or General Study module tag from the new study; repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l priority -d 'Job priority (higher runs first)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l step-delay-ms -d 'Test hook: sleep this long in every step' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l keep-source -d 'Keep the sources (by default they are deleted once every moved instance is stored)'
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l async -d 'Print the job ID and return at once (needs a running daemon)'
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand split" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l priority -d 'Job priority (higher runs first)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l step-delay-ms -d 'Test hook: sleep this long in every step' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l keep-source -d 'Keep the sources (by default they are deleted once every moved instance is stored)'
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l async -d 'Print the job ID and return at once (needs a running daemon)'
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand merge" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l profile -d 'The PS3.15 Table E.1-1 edition, as Orthanc\'s DicomVersion (2008 has no table here)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l keep -d 'Leave a tag as it is (a kept sequence is kept whole); repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l replace -d 'Then set a tag (keyword or gggg,eeee) to a value; repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l remove -d 'Then remove a tag; repeatable' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l priority -d 'Job priority (higher runs first)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l step-delay-ms -d 'Test hook: sleep this long in every step' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l keep-private-tags -d 'Keep private tags (removed by default)'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l force -d 'Allow replacing or keeping PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l consistent -d 'The same source gets the same pseudonyms (UIDs, PatientID, PatientName) in every job, keyed by a secret made once in the data home (beyond Orthanc)'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l no-keep-source -d 'Delete the source once every anonymized instance is stored (it is kept by default)'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l async -d 'Print the job ID and return at once (needs a running daemon)'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand anonymize" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l peer -d 'Send to this Orthanc peer (a name of OrthancPeers) over HTTP instead' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l priority -d 'Job priority (higher runs first)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l step-delay-ms -d 'Test hook: sleep this long in every step' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l permissive -d 'Go on when an instance is refused (counted in FailedInstancesCount)'
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l compress -d 'With --peer: gzip each instance (the peer must be Orthanc 1.6.0 or later)'
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l async -d 'Print the job ID and return at once (needs a running daemon)'
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand send" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -l timeout -d 'Seconds to wait for the modality (default: its Timeout, else DicomScuTimeout)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand echo" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -f -a "ls" -d 'List them (Orthanc\'s long form with --json)'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and not __fish_seen_subcommand_from ls help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List them (Orthanc\'s long form with --json)'
complete -c dicomq -n "__fish_dicomq_using_subcommand modalities; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -f -a "ls" -d 'List them (Orthanc\'s long form with --json)'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and not __fish_seen_subcommand_from ls help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List them (Orthanc\'s long form with --json)'
complete -c dicomq -n "__fish_dicomq_using_subcommand peers; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -l since -d 'Only the changes after this one (the `Last` of a previous call)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -l limit -d 'At most this many changes (1 to 10000)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -s f -l follow -d 'Keep printing new changes as they come (until interrupted)'
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand changes" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "ls" -d 'Table of jobs (--json: Orthanc\'s /jobs?expand)'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "show" -d 'One job: a readable block on a terminal; Orthanc\'s GET /jobs/{id} when piped or --json'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "wait" -d 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "cancel" -d 'Cancel a job (it ends in Failure)'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "pause" -d 'Pause a job at its next step boundary'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "resume" -d 'Resume a paused job'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "resubmit" -d 'Run a failed job again'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "output" -d 'Fetch a finished job\'s output (an archive); stdout when no -o and stdout is not a terminal'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and not __fish_seen_subcommand_from ls show wait cancel pause resume resubmit output help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l state -d 'Only jobs in these states (Pending, Running, Success, Failure, Paused, Retry)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -s w -l watch -d 'Refresh the table in place until Ctrl-C (exit 130)'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l timeout -d 'Give up after this many seconds (exit 1, the job goes on)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from resubmit" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -s o -l output -d 'Where to write it (\'-\' for stdout)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from output" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "ls" -d 'Table of jobs (--json: Orthanc\'s /jobs?expand)'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "show" -d 'One job: a readable block on a terminal; Orthanc\'s GET /jobs/{id} when piped or --json'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "wait" -d 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel a job (it ends in Failure)'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Pause a job at its next step boundary'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Resume a paused job'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "resubmit" -d 'Run a failed job again'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "output" -d 'Fetch a finished job\'s output (an archive); stdout when no -o and stdout is not a terminal'
complete -c dicomq -n "__fish_dicomq_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -l textfile -d 'Write the exposition to FILE atomically (for node_exporter\'s textfile collector) instead of stdout' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -f -a "enable" -d 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -f -a "disable" -d 'Stop collecting; the exposition becomes empty, as Orthanc\'s (kept across restarts)'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -f -a "status" -d 'Print whether metrics are enabled'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and not __fish_seen_subcommand_from enable disable status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Stop collecting; the exposition becomes empty, as Orthanc\'s (kept across restarts)'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from help" -f -a "status" -d 'Print whether metrics are enabled'
complete -c dicomq -n "__fish_dicomq_using_subcommand metrics; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -f -a "sleep-job" -d 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and not __fish_seen_subcommand_from sleep-job help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l steps -r
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l step-ms -r
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l fail-at -d 'The step that fails (for resubmit tests)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l priority -r
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l async -d 'Print the job ID and return at once (needs a running daemon)'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from sleep-job" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from help" -f -a "sleep-job" -d 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine'
complete -c dicomq -n "__fish_dicomq_using_subcommand debug; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -l repair -d 'Index the stored files that have no row, drop the rows whose file is gone (one transaction), and delete the outputs of jobs that no longer exist'
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand check" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l http -d 'Serve the Orthanc-compatible REST API on this address (e.g. 127.0.0.1:8042); default: HttpPort from the config, if set' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l dicom -d 'Receive from modalities: run the C-ECHO/C-STORE SCP on [ADDR:]PORT (a port alone listens on every interface, as Orthanc does); default: DicomPort from the config, if set' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l no-jobs -d 'Do not recover nor run jobs; the stored jobs are kept as they are'
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand daemon" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -l lock-timeout -d 'Seconds to wait for a database held by another process (or a PostgreSQL server)' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -l index -d 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config\'s Index' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand status" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "store" -d 'Import DICOM files and folders (recursive) into the store'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "ls" -d 'List patients, studies, series or instances'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "show" -d 'Show one resource (Orthanc\'s JSON shape), or all tags of an instance'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "find" -d 'Search by DICOM tags (Orthanc\'s /tools/find): find PatientName=\'DOE*\''
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "rm" -d 'Delete resources, their descendants and their files'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "create-dicom" -d 'DICOM-ize a PDF, PNG, JPEG or 3D model (Orthanc\'s create-dicom); prints the new instance ID'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "pdf" -d 'Write back the PDF embedded in an instance, byte for byte'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "archive" -d 'ZIP archive or DICOMDIR media of patients, studies, series or instances'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "modify" -d 'Modify a patient, study or series into a new one (Orthanc\'s modify); prints its ID'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "split" -d 'Move series or instances of a study to one new study (Orthanc\'s split); prints its ID'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "merge" -d 'Move studies, series or instances into a study (Orthanc\'s merge); prints its ID'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "anonymize" -d 'De-identify a patient, study or series into a new one (Orthanc\'s anonymize); prints its ID'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "send" -d 'Send patients, studies, series or instances to a modality (C-STORE) or, with --peer, to an Orthanc peer'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "echo" -d 'Check that a modality answers (C-ECHO)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "modalities" -d 'The DICOM modalities of the configuration (DicomModalities)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "peers" -d 'The Orthanc peers of the configuration (OrthancPeers)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "changes" -d 'The changes log: what was stored and deleted, in order (--follow to keep watching)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "jobs" -d 'List, inspect and control jobs'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "metrics" -d 'Prometheus metrics (Orthanc\'s names), or switch their collection'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "debug" -d 'Tools for testing dicomq itself'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "check" -d 'Compare the index with the stored files; --repair fixes what it can'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "daemon" -d 'Run the daemon in the foreground (logs on stderr; stop with SIGTERM or Ctrl-C)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "completions" -d 'Print a shell completion script'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "status" -d 'Daemon up or not, jobs by state, store counts and sizes, free space (exit 3: no daemon)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show find rm create-dicom pdf archive modify split merge anonymize send echo modalities peers changes jobs metrics debug check daemon completions status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from modalities" -f -a "ls" -d 'List them (Orthanc\'s long form with --json)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from peers" -f -a "ls" -d 'List them (Orthanc\'s long form with --json)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "ls" -d 'Table of jobs (--json: Orthanc\'s /jobs?expand)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "show" -d 'One job: a readable block on a terminal; Orthanc\'s GET /jobs/{id} when piped or --json'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "wait" -d 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "cancel" -d 'Cancel a job (it ends in Failure)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "pause" -d 'Pause a job at its next step boundary'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "resume" -d 'Resume a paused job'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "resubmit" -d 'Run a failed job again'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "output" -d 'Fetch a finished job\'s output (an archive); stdout when no -o and stdout is not a terminal'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from metrics" -f -a "enable" -d 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from metrics" -f -a "disable" -d 'Stop collecting; the exposition becomes empty, as Orthanc\'s (kept across restarts)'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from metrics" -f -a "status" -d 'Print whether metrics are enabled'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and __fish_seen_subcommand_from debug" -f -a "sleep-job" -d 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine'
