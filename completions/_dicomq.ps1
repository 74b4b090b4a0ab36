
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'dicomq' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'dicomq'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'dicomq' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Import DICOM files and folders (recursive) into the store')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List patients, studies, series or instances')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one resource (Orthanc''s JSON shape), or all tags of an instance')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Search by DICOM tags (Orthanc''s /tools/find): find PatientName=''DOE*''')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete resources, their descendants and their files')
            [CompletionResult]::new('create-dicom', 'create-dicom', [CompletionResultType]::ParameterValue, 'DICOM-ize a PDF, PNG, JPEG or 3D model (Orthanc''s create-dicom); prints the new instance ID')
            [CompletionResult]::new('pdf', 'pdf', [CompletionResultType]::ParameterValue, 'Write back the PDF embedded in an instance, byte for byte')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'ZIP archive or DICOMDIR media of patients, studies, series or instances')
            [CompletionResult]::new('modify', 'modify', [CompletionResultType]::ParameterValue, 'Modify a patient, study or series into a new one (Orthanc''s modify); prints its ID')
            [CompletionResult]::new('split', 'split', [CompletionResultType]::ParameterValue, 'Move series or instances of a study to one new study (Orthanc''s split); prints its ID')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Move studies, series or instances into a study (Orthanc''s merge); prints its ID')
            [CompletionResult]::new('anonymize', 'anonymize', [CompletionResultType]::ParameterValue, 'De-identify a patient, study or series into a new one (Orthanc''s anonymize); prints its ID')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send patients, studies, series or instances to a modality (C-STORE) or, with --peer, to an Orthanc peer')
            [CompletionResult]::new('echo', 'echo', [CompletionResultType]::ParameterValue, 'Check that a modality answers (C-ECHO)')
            [CompletionResult]::new('modalities', 'modalities', [CompletionResultType]::ParameterValue, 'The DICOM modalities of the configuration (DicomModalities)')
            [CompletionResult]::new('peers', 'peers', [CompletionResultType]::ParameterValue, 'The Orthanc peers of the configuration (OrthancPeers)')
            [CompletionResult]::new('changes', 'changes', [CompletionResultType]::ParameterValue, 'The changes log: what was stored and deleted, in order (--follow to keep watching)')
            [CompletionResult]::new('jobs', 'jobs', [CompletionResultType]::ParameterValue, 'List, inspect and control jobs')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Prometheus metrics (Orthanc''s names), or switch their collection')
            [CompletionResult]::new('debug', 'debug', [CompletionResultType]::ParameterValue, 'Tools for testing dicomq itself')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Compare the index with the stored files; --repair fixes what it can')
            [CompletionResult]::new('daemon', 'daemon', [CompletionResultType]::ParameterValue, 'Run the daemon in the foreground (logs on stderr; stop with SIGTERM or Ctrl-C)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Daemon up or not, jobs by state, store counts and sizes, free space (exit 3: no daemon)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;store' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;ls' {
            [CompletionResult]::new('--parent', '--parent', [CompletionResultType]::ParameterName, 'Only resources under this patient, study or series (ID or unique prefix)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;show' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--tags', '--tags', [CompletionResultType]::ParameterName, 'All tags of an instance, readable (with --json: Orthanc''s /tags shape)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;find' {
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'The level searched')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Skip the first N matches (in the order they were stored)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N matches (0: all)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Match text without regard to case (Orthanc''s CaseSensitive: false)')
            [CompletionResult]::new('--ignore-case', '--ignore-case', [CompletionResultType]::ParameterName, 'Match text without regard to case (Orthanc''s CaseSensitive: false)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;rm' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;create-dicom' {
            [CompletionResult]::new('--pdf', '--pdf', [CompletionResultType]::ParameterName, 'A PDF file to encapsulate (Encapsulated PDF Storage)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'A PNG or JPEG (recognised by content); several make one series (Secondary Capture)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'A 3D model: STL (by extension or content), OBJ or MTL (by extension); one instance (Encapsulated STL, OBJ or MTL)')
            [CompletionResult]::new('--request', '--request', [CompletionResultType]::ParameterName, 'Orthanc''s create-dicom JSON body (Tags with sequences, Content, Parent, PrivateCreator, Force, InterpretBinaryTags; or the legacy body without Tags)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A tag by keyword or number: PatientName=Doe^John, 0010,0020=42')
            [CompletionResult]::new('--parent', '--parent', [CompletionResultType]::ParameterName, 'Place the instance under this patient, study or series, inheriting its tags')
            [CompletionResult]::new('--private-creator', '--private-creator', [CompletionResultType]::ParameterName, 'Private creator to choose between Dictionary entries')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Also write the DICOM file here (atomically)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Also write the DICOM file here (atomically)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--encapsulate', '--encapsulate', [CompletionResultType]::ParameterName, 'Keep the JPEG given with --image as it is (JPEG Baseline transfer syntax, no decoding)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow changing inherited tags and UIDs')
            [CompletionResult]::new('--no-store', '--no-store', [CompletionResultType]::ParameterName, 'Do not store the instance (needs -o)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;pdf' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the PDF here (default: stdout when it is not a terminal)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the PDF here (default: stdout when it is not a terminal)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;archive' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the ZIP (''-'' for stdout; default: <first ID>.zip here)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the ZIP (''-'' for stdout; default: <first ID>.zip here)')
            [CompletionResult]::new('--compression', '--compression', [CompletionResultType]::ParameterName, 'How entries are stored')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Job priority (higher runs first)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--media', '--media', [CompletionResultType]::ParameterName, 'DICOMDIR media: IMAGES/IM0... and a DICOMDIR (Type Media)')
            [CompletionResult]::new('--extended', '--extended', [CompletionResultType]::ParameterName, 'With --media: add SeriesDescription to the DICOMDIR''s SERIES records')
            [CompletionResult]::new('--ascii-names', '--ascii-names', [CompletionResultType]::ParameterName, 'Drop non-ASCII characters from folder and file names (Orthanc''s default)')
            [CompletionResult]::new('--async', '--async', [CompletionResultType]::ParameterName, 'Print the job ID and return at once (needs a running daemon); fetch the result with `jobs output ID -o FILE`')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'dicomq;modify' {
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Set a tag (keyword or gggg,eeee) to a value, checked against its VR (a sequence in JSON: Tag=[{...}]); repeatable')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Remove a tag; repeatable')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep a tag as it is (with --force: a Study/Series/SOP Instance UID keeps its value)')
            [CompletionResult]::new('--private-creator', '--private-creator', [CompletionResultType]::ParameterName, 'The private creator of private tags given by number')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Job priority (higher runs first)')
            [CompletionResult]::new('--step-delay-ms', '--step-delay-ms', [CompletionResultType]::ParameterName, 'Test hook: sleep this long in every step')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--remove-private-tags', '--remove-private-tags', [CompletionResultType]::ParameterName, 'Remove every private tag')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow replacing or keeping PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID')
            [CompletionResult]::new('--keep-source', '--keep-source', [CompletionResultType]::ParameterName, 'Keep the source resource (the default)')
            [CompletionResult]::new('--no-keep-source', '--no-keep-source', [CompletionResultType]::ParameterName, 'Delete the source once every modified instance is stored')
            [CompletionResult]::new('--async', '--async', [CompletionResultType]::ParameterName, 'Print the job ID and return at once (needs a running daemon)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;split' {
            [CompletionResult]::new('--series', '--series', [CompletionResultType]::ParameterName, 'A series of the study to move to the new study; repeatable')
            [CompletionResult]::new('--instances', '--instances', [CompletionResultType]::ParameterName, 'An instance of the study to move to the new study; repeatable')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Set a Patient or General Study module tag of the new study; repeatable')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Remove a Patient or General Study module tag from the new study; repeatable')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Job priority (higher runs first)')
            [CompletionResult]::new('--step-delay-ms', '--step-delay-ms', [CompletionResultType]::ParameterName, 'Test hook: sleep this long in every step')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--keep-source', '--keep-source', [CompletionResultType]::ParameterName, 'Keep the sources (by default they are deleted once every moved instance is stored)')
            [CompletionResult]::new('--async', '--async', [CompletionResultType]::ParameterName, 'Print the job ID and return at once (needs a running daemon)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;merge' {
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Job priority (higher runs first)')
            [CompletionResult]::new('--step-delay-ms', '--step-delay-ms', [CompletionResultType]::ParameterName, 'Test hook: sleep this long in every step')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--keep-source', '--keep-source', [CompletionResultType]::ParameterName, 'Keep the sources (by default they are deleted once every moved instance is stored)')
            [CompletionResult]::new('--async', '--async', [CompletionResultType]::ParameterName, 'Print the job ID and return at once (needs a running daemon)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;anonymize' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The PS3.15 Table E.1-1 edition, as Orthanc''s DicomVersion (2008 has no table here)')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Leave a tag as it is (a kept sequence is kept whole); repeatable')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Then set a tag (keyword or gggg,eeee) to a value; repeatable')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Then remove a tag; repeatable')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Job priority (higher runs first)')
            [CompletionResult]::new('--step-delay-ms', '--step-delay-ms', [CompletionResultType]::ParameterName, 'Test hook: sleep this long in every step')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--keep-private-tags', '--keep-private-tags', [CompletionResultType]::ParameterName, 'Keep private tags (removed by default)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow replacing or keeping PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID')
            [CompletionResult]::new('--consistent', '--consistent', [CompletionResultType]::ParameterName, 'The same source gets the same pseudonyms (UIDs, PatientID, PatientName) in every job, keyed by a secret made once in the data home (beyond Orthanc)')
            [CompletionResult]::new('--no-keep-source', '--no-keep-source', [CompletionResultType]::ParameterName, 'Delete the source once every anonymized instance is stored (it is kept by default)')
            [CompletionResult]::new('--async', '--async', [CompletionResultType]::ParameterName, 'Print the job ID and return at once (needs a running daemon)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;send' {
            [CompletionResult]::new('--peer', '--peer', [CompletionResultType]::ParameterName, 'Send to this Orthanc peer (a name of OrthancPeers) over HTTP instead')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Job priority (higher runs first)')
            [CompletionResult]::new('--step-delay-ms', '--step-delay-ms', [CompletionResultType]::ParameterName, 'Test hook: sleep this long in every step')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--permissive', '--permissive', [CompletionResultType]::ParameterName, 'Go on when an instance is refused (counted in FailedInstancesCount)')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'With --peer: gzip each instance (the peer must be Orthanc 1.6.0 or later)')
            [CompletionResult]::new('--async', '--async', [CompletionResultType]::ParameterName, 'Print the job ID and return at once (needs a running daemon)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;echo' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the modality (default: its Timeout, else DicomScuTimeout)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;modalities' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List them (Orthanc''s long form with --json)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;modalities;ls' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;modalities;help' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List them (Orthanc''s long form with --json)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;modalities;help;ls' {
            break
        }
        'dicomq;modalities;help;help' {
            break
        }
        'dicomq;peers' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List them (Orthanc''s long form with --json)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;peers;ls' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;peers;help' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List them (Orthanc''s long form with --json)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;peers;help;ls' {
            break
        }
        'dicomq;peers;help;help' {
            break
        }
        'dicomq;changes' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only the changes after this one (the `Last` of a previous call)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many changes (1 to 10000)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new changes as they come (until interrupted)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new changes as they come (until interrupted)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'Table of jobs (--json: Orthanc''s /jobs?expand)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One job: a readable block on a terminal; Orthanc''s GET /jobs/{id} when piped or --json')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a job (it ends in Failure)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause a job at its next step boundary')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused job')
            [CompletionResult]::new('resubmit', 'resubmit', [CompletionResultType]::ParameterValue, 'Run a failed job again')
            [CompletionResult]::new('output', 'output', [CompletionResultType]::ParameterValue, 'Fetch a finished job''s output (an archive); stdout when no -o and stdout is not a terminal')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;jobs;ls' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only jobs in these states (Pending, Running, Success, Failure, Paused, Retry)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Refresh the table in place until Ctrl-C (exit 130)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Refresh the table in place until Ctrl-C (exit 130)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs;show' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs;wait' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this many seconds (exit 1, the job goes on)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs;cancel' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs;pause' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs;resume' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs;resubmit' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs;output' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write it (''-'' for stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write it (''-'' for stdout)')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;jobs;help' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'Table of jobs (--json: Orthanc''s /jobs?expand)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One job: a readable block on a terminal; Orthanc''s GET /jobs/{id} when piped or --json')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a job (it ends in Failure)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause a job at its next step boundary')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused job')
            [CompletionResult]::new('resubmit', 'resubmit', [CompletionResultType]::ParameterValue, 'Run a failed job again')
            [CompletionResult]::new('output', 'output', [CompletionResultType]::ParameterValue, 'Fetch a finished job''s output (an archive); stdout when no -o and stdout is not a terminal')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;jobs;help;ls' {
            break
        }
        'dicomq;jobs;help;show' {
            break
        }
        'dicomq;jobs;help;wait' {
            break
        }
        'dicomq;jobs;help;cancel' {
            break
        }
        'dicomq;jobs;help;pause' {
            break
        }
        'dicomq;jobs;help;resume' {
            break
        }
        'dicomq;jobs;help;resubmit' {
            break
        }
        'dicomq;jobs;help;output' {
            break
        }
        'dicomq;jobs;help;help' {
            break
        }
        'dicomq;metrics' {
            [CompletionResult]::new('--textfile', '--textfile', [CompletionResultType]::ParameterName, 'Write the exposition to FILE atomically (for node_exporter''s textfile collector) instead of stdout')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Stop collecting; the exposition becomes empty, as Orthanc''s (kept across restarts)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Print whether metrics are enabled')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;metrics;enable' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;metrics;disable' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;metrics;status' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;metrics;help' {
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Stop collecting; the exposition becomes empty, as Orthanc''s (kept across restarts)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Print whether metrics are enabled')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;metrics;help;enable' {
            break
        }
        'dicomq;metrics;help;disable' {
            break
        }
        'dicomq;metrics;help;status' {
            break
        }
        'dicomq;metrics;help;help' {
            break
        }
        'dicomq;debug' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('sleep-job', 'sleep-job', [CompletionResultType]::ParameterValue, 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;debug;sleep-job' {
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'steps')
            [CompletionResult]::new('--step-ms', '--step-ms', [CompletionResultType]::ParameterName, 'step-ms')
            [CompletionResult]::new('--fail-at', '--fail-at', [CompletionResultType]::ParameterName, 'The step that fails (for resubmit tests)')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'priority')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--async', '--async', [CompletionResultType]::ParameterName, 'Print the job ID and return at once (needs a running daemon)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;debug;help' {
            [CompletionResult]::new('sleep-job', 'sleep-job', [CompletionResultType]::ParameterValue, 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;debug;help;sleep-job' {
            break
        }
        'dicomq;debug;help;help' {
            break
        }
        'dicomq;check' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--repair', '--repair', [CompletionResultType]::ParameterName, 'Index the stored files that have no row, drop the rows whose file is gone (one transaction), and delete the outputs of jobs that no longer exist')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;daemon' {
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'Serve the Orthanc-compatible REST API on this address (e.g. 127.0.0.1:8042); default: HttpPort from the config, if set')
            [CompletionResult]::new('--dicom', '--dicom', [CompletionResultType]::ParameterName, 'Receive from modalities: run the C-ECHO/C-STORE SCP on [ADDR:]PORT (a port alone listens on every interface, as Orthanc does); default: DicomPort from the config, if set')
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--no-jobs', '--no-jobs', [CompletionResultType]::ParameterName, 'Do not recover nor run jobs; the stored jobs are kept as they are')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;completions' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;status' {
            [CompletionResult]::new('--home', '--home', [CompletionResultType]::ParameterName, 'Data home (database, stored files, outputs, socket)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (default: HOME/config.json)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a database held by another process (or a PostgreSQL server)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Where jobs and the index live: redb (in HOME, the default) or a PostgreSQL URL shared by several daemons; overrides the config''s Index')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours (NO_COLOR is honoured)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print Orthanc''s JSON shapes instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dicomq;help' {
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Import DICOM files and folders (recursive) into the store')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List patients, studies, series or instances')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one resource (Orthanc''s JSON shape), or all tags of an instance')
            [CompletionResult]::new('find', 'find', [CompletionResultType]::ParameterValue, 'Search by DICOM tags (Orthanc''s /tools/find): find PatientName=''DOE*''')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Delete resources, their descendants and their files')
            [CompletionResult]::new('create-dicom', 'create-dicom', [CompletionResultType]::ParameterValue, 'DICOM-ize a PDF, PNG, JPEG or 3D model (Orthanc''s create-dicom); prints the new instance ID')
            [CompletionResult]::new('pdf', 'pdf', [CompletionResultType]::ParameterValue, 'Write back the PDF embedded in an instance, byte for byte')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'ZIP archive or DICOMDIR media of patients, studies, series or instances')
            [CompletionResult]::new('modify', 'modify', [CompletionResultType]::ParameterValue, 'Modify a patient, study or series into a new one (Orthanc''s modify); prints its ID')
            [CompletionResult]::new('split', 'split', [CompletionResultType]::ParameterValue, 'Move series or instances of a study to one new study (Orthanc''s split); prints its ID')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Move studies, series or instances into a study (Orthanc''s merge); prints its ID')
            [CompletionResult]::new('anonymize', 'anonymize', [CompletionResultType]::ParameterValue, 'De-identify a patient, study or series into a new one (Orthanc''s anonymize); prints its ID')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send patients, studies, series or instances to a modality (C-STORE) or, with --peer, to an Orthanc peer')
            [CompletionResult]::new('echo', 'echo', [CompletionResultType]::ParameterValue, 'Check that a modality answers (C-ECHO)')
            [CompletionResult]::new('modalities', 'modalities', [CompletionResultType]::ParameterValue, 'The DICOM modalities of the configuration (DicomModalities)')
            [CompletionResult]::new('peers', 'peers', [CompletionResultType]::ParameterValue, 'The Orthanc peers of the configuration (OrthancPeers)')
            [CompletionResult]::new('changes', 'changes', [CompletionResultType]::ParameterValue, 'The changes log: what was stored and deleted, in order (--follow to keep watching)')
            [CompletionResult]::new('jobs', 'jobs', [CompletionResultType]::ParameterValue, 'List, inspect and control jobs')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Prometheus metrics (Orthanc''s names), or switch their collection')
            [CompletionResult]::new('debug', 'debug', [CompletionResultType]::ParameterValue, 'Tools for testing dicomq itself')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Compare the index with the stored files; --repair fixes what it can')
            [CompletionResult]::new('daemon', 'daemon', [CompletionResultType]::ParameterValue, 'Run the daemon in the foreground (logs on stderr; stop with SIGTERM or Ctrl-C)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Daemon up or not, jobs by state, store counts and sizes, free space (exit 3: no daemon)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dicomq;help;store' {
            break
        }
        'dicomq;help;ls' {
            break
        }
        'dicomq;help;show' {
            break
        }
        'dicomq;help;find' {
            break
        }
        'dicomq;help;rm' {
            break
        }
        'dicomq;help;create-dicom' {
            break
        }
        'dicomq;help;pdf' {
            break
        }
        'dicomq;help;archive' {
            break
        }
        'dicomq;help;modify' {
            break
        }
        'dicomq;help;split' {
            break
        }
        'dicomq;help;merge' {
            break
        }
        'dicomq;help;anonymize' {
            break
        }
        'dicomq;help;send' {
            break
        }
        'dicomq;help;echo' {
            break
        }
        'dicomq;help;modalities' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List them (Orthanc''s long form with --json)')
            break
        }
        'dicomq;help;modalities;ls' {
            break
        }
        'dicomq;help;peers' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List them (Orthanc''s long form with --json)')
            break
        }
        'dicomq;help;peers;ls' {
            break
        }
        'dicomq;help;changes' {
            break
        }
        'dicomq;help;jobs' {
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'Table of jobs (--json: Orthanc''s /jobs?expand)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One job: a readable block on a terminal; Orthanc''s GET /jobs/{id} when piped or --json')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Block until the jobs end: exit 0 when all succeeded, 1 when one failed (130: Ctrl-C)')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a job (it ends in Failure)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Pause a job at its next step boundary')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a paused job')
            [CompletionResult]::new('resubmit', 'resubmit', [CompletionResultType]::ParameterValue, 'Run a failed job again')
            [CompletionResult]::new('output', 'output', [CompletionResultType]::ParameterValue, 'Fetch a finished job''s output (an archive); stdout when no -o and stdout is not a terminal')
            break
        }
        'dicomq;help;jobs;ls' {
            break
        }
        'dicomq;help;jobs;show' {
            break
        }
        'dicomq;help;jobs;wait' {
            break
        }
        'dicomq;help;jobs;cancel' {
            break
        }
        'dicomq;help;jobs;pause' {
            break
        }
        'dicomq;help;jobs;resume' {
            break
        }
        'dicomq;help;jobs;resubmit' {
            break
        }
        'dicomq;help;jobs;output' {
            break
        }
        'dicomq;help;metrics' {
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Collect and export metrics (kept across restarts; overrides MetricsEnabled)')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Stop collecting; the exposition becomes empty, as Orthanc''s (kept across restarts)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Print whether metrics are enabled')
            break
        }
        'dicomq;help;metrics;enable' {
            break
        }
        'dicomq;help;metrics;disable' {
            break
        }
        'dicomq;help;metrics;status' {
            break
        }
        'dicomq;help;debug' {
            [CompletionResult]::new('sleep-job', 'sleep-job', [CompletionResultType]::ParameterValue, 'Submit a job of N steps of M ms each (Type Sleep), for tests of the engine')
            break
        }
        'dicomq;help;debug;sleep-job' {
            break
        }
        'dicomq;help;check' {
            break
        }
        'dicomq;help;daemon' {
            break
        }
        'dicomq;help;completions' {
            break
        }
        'dicomq;help;status' {
            break
        }
        'dicomq;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
