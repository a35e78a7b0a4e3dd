# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wf_actor_global_optspecs
    string join \n C= h/help V/version
end

function __fish_wf_actor_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wf_actor_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wf_actor_using_subcommand
    set -l cmd (__fish_wf_actor_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wf-actor -n "__fish_wf_actor_needs_command" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-actor -n "__fish_wf_actor_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-actor -n "__fish_wf_actor_needs_command" -s V -l version -d 'Print version'
complete -c wf-actor -n "__fish_wf_actor_needs_command" -f -a "add" -d 'Register a new actor'
complete -c wf-actor -n "__fish_wf_actor_needs_command" -f -a "update" -d 'Change an actor\'s roles, keys, model, operator or run configuration. An actor\'s kind never changes: register a new actor instead'
complete -c wf-actor -n "__fish_wf_actor_needs_command" -f -a "list" -d 'List actors'
complete -c wf-actor -n "__fish_wf_actor_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l kind -d 'human or ai' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l name -d 'Display name (the commit author name)' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l email -d 'Email (the commit author email and signing principal)' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l pubkey -d 'Their OpenSSH public key file (repeat for several keys)' -r -F
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l role -d 'A role (repeat for several): requester, reviewer, drafter, optimizer, admin...' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l operator -d 'For AI actors: the human accountable for it' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l model -d 'For AI actors: the model or agent it runs' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l run-timeout -d 'AI actors: seconds wf-run lets the agent run before killing it (default 600)' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l run-env -d 'AI actors: an environment variable for the agent, NAME=VALUE (repeatable). It is committed to .wf/actors.toml: never put a secret here' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-actor -n "__fish_wf_actor_using_subcommand add" -s h -l help -d 'Print help'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l add-role -d 'Add a role' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l remove-role -d 'Remove a role' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l add-key -d 'Add a public key file' -r -F
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l remove-key -d 'Remove a key (a lost or leaked one), named by its fingerprint (`SHA256:...`, as `wf-actor list` and `ssh-keygen -l` show it) or by its public key file. Commits it signed before stay valid: each is judged under the actors of its parent' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l model -d 'Set the model (AI actors)' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l operator -d 'Set the operator (AI actors): the human now accountable for it. Independence (`independent_of = ["operator"]`) is judged against the operator at each verdict' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l run-timeout -d 'AI actors: seconds wf-run lets the agent run before killing it (default 600)' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l run-env -d 'AI actors: an environment variable for the agent, NAME=VALUE (repeatable). It is committed to .wf/actors.toml: never put a secret here' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -l no-run -d 'Remove the run configuration (wf-run can no longer start this actor)'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand update" -s h -l help -d 'Print help'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand list" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-actor -n "__fish_wf_actor_using_subcommand list" -l json -d 'One JSON document (schema wf.actors/1)'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand list" -l ndjson -d 'One JSON object per actor and line (schema wf.actor/1)'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand list" -s z -d 'Print only the ids, each followed by a NUL byte'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand list" -s h -l help -d 'Print help'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand help; and not __fish_seen_subcommand_from add update list help" -f -a "add" -d 'Register a new actor'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand help; and not __fish_seen_subcommand_from add update list help" -f -a "update" -d 'Change an actor\'s roles, keys, model, operator or run configuration. An actor\'s kind never changes: register a new actor instead'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand help; and not __fish_seen_subcommand_from add update list help" -f -a "list" -d 'List actors'
complete -c wf-actor -n "__fish_wf_actor_using_subcommand help; and not __fish_seen_subcommand_from add update list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
