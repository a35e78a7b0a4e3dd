# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wf_hook_global_optspecs
    string join \n C= h/help V/version
end

function __fish_wf_hook_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wf_hook_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wf_hook_using_subcommand
    set -l cmd (__fish_wf_hook_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wf-hook -n "__fish_wf_hook_needs_command" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-hook -n "__fish_wf_hook_needs_command" -s h -l help -d 'Print help'
complete -c wf-hook -n "__fish_wf_hook_needs_command" -s V -l version -d 'Print version'
complete -c wf-hook -n "__fish_wf_hook_needs_command" -f -a "install" -d 'Write the hooks: pre-receive and post-receive in a bare repository, pre-push in a clone. Installing again is a no-op; a hook that is not wf\'s is kept unless --force (which moves it to NAME.wf-old)'
complete -c wf-hook -n "__fish_wf_hook_needs_command" -f -a "run" -d 'Run a hook (git calls this; it reads the ref updates on stdin)'
complete -c wf-hook -n "__fish_wf_hook_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wf-hook -n "__fish_wf_hook_using_subcommand install" -l protect -d 'Protect this branch too (stored in git config wf.protect; refs/heads/main and the branch HEAD names are always protected)' -r
complete -c wf-hook -n "__fish_wf_hook_using_subcommand install" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-hook -n "__fish_wf_hook_using_subcommand install" -l force -d 'Replace hooks that are not wf\'s'
complete -c wf-hook -n "__fish_wf_hook_using_subcommand install" -s h -l help -d 'Print help'
complete -c wf-hook -n "__fish_wf_hook_using_subcommand run" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-hook -n "__fish_wf_hook_using_subcommand run" -s h -l help -d 'Print help'
complete -c wf-hook -n "__fish_wf_hook_using_subcommand help; and not __fish_seen_subcommand_from install run help" -f -a "install" -d 'Write the hooks: pre-receive and post-receive in a bare repository, pre-push in a clone. Installing again is a no-op; a hook that is not wf\'s is kept unless --force (which moves it to NAME.wf-old)'
complete -c wf-hook -n "__fish_wf_hook_using_subcommand help; and not __fish_seen_subcommand_from install run help" -f -a "run" -d 'Run a hook (git calls this; it reads the ref updates on stdin)'
complete -c wf-hook -n "__fish_wf_hook_using_subcommand help; and not __fish_seen_subcommand_from install run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
