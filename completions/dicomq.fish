# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_dicomq_global_optspecs
    string join \n home= config= json q/quiet v/verbose lock-timeout= color= h/help V/version
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
complete -c dicomq -n "__fish_dicomq_needs_command" -l lock-timeout -d 'Seconds to wait for a database held by another process' -r
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
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "rm" -d 'Delete resources, their descendants and their files'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c dicomq -n "__fish_dicomq_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand store" -l lock-timeout -d 'Seconds to wait for a database held by another process' -r
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
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l lock-timeout -d 'Seconds to wait for a database held by another process' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand ls" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l lock-timeout -d 'Seconds to wait for a database held by another process' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l tags -d 'All tags of an instance, readable (with --json: Orthanc\'s /tags shape)'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand show" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l lock-timeout -d 'Seconds to wait for a database held by another process' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand rm" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l home -d 'Data home (database, stored files, outputs, socket)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l config -d 'Configuration file (default: HOME/config.json)' -r -F
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l lock-timeout -d 'Seconds to wait for a database held by another process' -r
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l color -d 'When to use colours (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -l json -d 'Print Orthanc\'s JSON shapes instead of tables'
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -s q -l quiet -d 'Print nothing but data and errors'
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -s v -l verbose -d 'Log more (repeat for more); RUST_LOG overrides'
complete -c dicomq -n "__fish_dicomq_using_subcommand completions" -s h -l help -d 'Print help'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show rm completions help" -f -a "store" -d 'Import DICOM files and folders (recursive) into the store'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show rm completions help" -f -a "ls" -d 'List patients, studies, series or instances'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show rm completions help" -f -a "show" -d 'Show one resource (Orthanc\'s JSON shape), or all tags of an instance'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show rm completions help" -f -a "rm" -d 'Delete resources, their descendants and their files'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show rm completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c dicomq -n "__fish_dicomq_using_subcommand help; and not __fish_seen_subcommand_from store ls show rm completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
