# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wf_policy_global_optspecs
    string join \n C= h/help V/version
end

function __fish_wf_policy_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wf_policy_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wf_policy_using_subcommand
    set -l cmd (__fish_wf_policy_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wf-policy -n "__fish_wf_policy_needs_command" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-policy -n "__fish_wf_policy_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-policy -n "__fish_wf_policy_needs_command" -s V -l version -d 'Print version'
complete -c wf-policy -n "__fish_wf_policy_needs_command" -f -a "show" -d 'The admin quorum, the workflows and the pending proposals; with a proposal id, that proposal and what it changes: a unified diff of each file it proposes against the file at HEAD, the exact text an endorsement signs'
complete -c wf-policy -n "__fish_wf_policy_needs_command" -f -a "set" -d 'Change workflows or the admin quorum: applied at once when one admin suffices, else proposed'
complete -c wf-policy -n "__fish_wf_policy_needs_command" -f -a "endorse" -d 'Sign a pending proposal; the signature that completes the quorum applies it. Read what it changes first: `wf-policy show ID`'
complete -c wf-policy -n "__fish_wf_policy_needs_command" -f -a "withdraw" -d 'Drop a pending proposal'
complete -c wf-policy -n "__fish_wf_policy_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand show" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-policy -n "__fish_wf_policy_using_subcommand show" -l json -d 'One JSON document (schema wf.policy/1); each proposal carries its diff'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand show" -s h -l help -d 'Print help'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand set" -l workflow -d 'A workflow file (TOML, see spec/workflow.md); its `name` picks .wf/workflows/NAME.toml. Repeatable' -r -F
complete -c wf-policy -n "__fish_wf_policy_using_subcommand set" -l admins-required -d 'How many distinct human admins must sign a change to .wf/' -r
complete -c wf-policy -n "__fish_wf_policy_using_subcommand set" -s m -l message -d 'Why' -r
complete -c wf-policy -n "__fish_wf_policy_using_subcommand set" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-policy -n "__fish_wf_policy_using_subcommand set" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-policy -n "__fish_wf_policy_using_subcommand set" -s h -l help -d 'Print help'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand endorse" -s m -l message -d 'Why' -r
complete -c wf-policy -n "__fish_wf_policy_using_subcommand endorse" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-policy -n "__fish_wf_policy_using_subcommand endorse" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-policy -n "__fish_wf_policy_using_subcommand endorse" -s h -l help -d 'Print help'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand withdraw" -s m -l message -d 'Why' -r
complete -c wf-policy -n "__fish_wf_policy_using_subcommand withdraw" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-policy -n "__fish_wf_policy_using_subcommand withdraw" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-policy -n "__fish_wf_policy_using_subcommand withdraw" -s h -l help -d 'Print help'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand help; and not __fish_seen_subcommand_from show set endorse withdraw help" -f -a "show" -d 'The admin quorum, the workflows and the pending proposals; with a proposal id, that proposal and what it changes: a unified diff of each file it proposes against the file at HEAD, the exact text an endorsement signs'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand help; and not __fish_seen_subcommand_from show set endorse withdraw help" -f -a "set" -d 'Change workflows or the admin quorum: applied at once when one admin suffices, else proposed'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand help; and not __fish_seen_subcommand_from show set endorse withdraw help" -f -a "endorse" -d 'Sign a pending proposal; the signature that completes the quorum applies it. Read what it changes first: `wf-policy show ID`'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand help; and not __fish_seen_subcommand_from show set endorse withdraw help" -f -a "withdraw" -d 'Drop a pending proposal'
complete -c wf-policy -n "__fish_wf_policy_using_subcommand help; and not __fish_seen_subcommand_from show set endorse withdraw help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
