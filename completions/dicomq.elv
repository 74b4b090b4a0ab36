
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
            cand --lock-timeout 'Seconds to wait for a database held by another process'
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
            cand rm 'Delete resources, their descendants and their files'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;store'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process'
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
            cand --lock-timeout 'Seconds to wait for a database held by another process'
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
            cand --lock-timeout 'Seconds to wait for a database held by another process'
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
        &'dicomq;rm'= {
            cand --home 'Data home (database, stored files, outputs, socket)'
            cand --config 'Configuration file (default: HOME/config.json)'
            cand --lock-timeout 'Seconds to wait for a database held by another process'
            cand --color 'When to use colours (NO_COLOR is honoured)'
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
            cand --lock-timeout 'Seconds to wait for a database held by another process'
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
            cand rm 'Delete resources, their descendants and their files'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dicomq;help;store'= {
        }
        &'dicomq;help;ls'= {
        }
        &'dicomq;help;show'= {
        }
        &'dicomq;help;rm'= {
        }
        &'dicomq;help;completions'= {
        }
        &'dicomq;help;help'= {
        }
    ]
    $completions[$command]
}
