# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wf_global_optspecs
    string join \n h/help V/version
end

function __fish_wf_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wf_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wf_using_subcommand
    set -l cmd (__fish_wf_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wf -n "__fish_wf_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_needs_command" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_needs_command" -f -a "init" -d 'Create or adopt a git repository as a wf store'
complete -c wf -n "__fish_wf_needs_command" -f -a "actor" -d 'Register, change and list the actors (people and AI agents) of a wf store'
complete -c wf -n "__fish_wf_needs_command" -f -a "new" -d 'Define a new task: its title, inputs, owner and designated approver'
complete -c wf -n "__fish_wf_needs_command" -f -a "assign" -d 'Hand a task\'s current step to an actor: a recorded handoff (from whom, to whom, why)'
complete -c wf -n "__fish_wf_needs_command" -f -a "submit" -d 'Record a new output revision for a task\'s current (produce) step'
complete -c wf -n "__fish_wf_needs_command" -f -a "run" -d 'Run an AI actor\'s agent on a task and record its output as the new revision'
complete -c wf -n "__fish_wf_needs_command" -f -a "check" -d 'Run a task\'s check step: the workflow\'s command on the latest revision; record pass or fail'
complete -c wf -n "__fish_wf_needs_command" -f -a "review" -d 'Review a task\'s latest revision: accept it, request changes, or comment'
complete -c wf -n "__fish_wf_needs_command" -f -a "approve" -d 'Give the final decision on a task: approve (the task closes) or reject (back to rework)'
complete -c wf -n "__fish_wf_needs_command" -f -a "show" -d 'Show a task: where it stands, who holds it, its inputs, revisions, reviews and decision'
complete -c wf -n "__fish_wf_needs_command" -f -a "ls" -d 'List tasks: id, state, step, holder and title'
complete -c wf -n "__fish_wf_needs_command" -f -a "log" -d 'Show the history of one task, or of all: every action, newest first'
complete -c wf -n "__fish_wf_needs_command" -f -a "graph" -d 'Draw a workflow as a graph: Graphviz DOT (default) or Mermaid'
complete -c wf -n "__fish_wf_needs_command" -f -a "stats" -d 'Figures about the work, from history: cycle times, review rounds, AI share, acceptance'
complete -c wf -n "__fish_wf_needs_command" -f -a "board" -d 'Write the board: a static web site of the work and its proof'
complete -c wf -n "__fish_wf_needs_command" -f -a "sync" -d 'Bring this clone up to date with its upstream and publish its actions'
complete -c wf -n "__fish_wf_needs_command" -f -a "policy" -d 'See and change the policy: workflows, the admin quorum, and pending proposals'
complete -c wf -n "__fish_wf_needs_command" -f -a "verify" -d 'Prove from history that every rule held: replay and check each wf commit of a range'
complete -c wf -n "__fish_wf_needs_command" -f -a "hook" -d 'Install and run wf\'s git hooks: the verifier on a server\'s pushes, or before a clone\'s'
complete -c wf -n "__fish_wf_needs_command" -f -a "attest" -d 'Sign in-toto attestations of approved tasks: verification, AI provenance, reviews'
complete -c wf -n "__fish_wf_needs_command" -f -a "repair" -d 'Repair a store after a crash: stale git locks, an interrupted sync, files out of step'
complete -c wf -n "__fish_wf_needs_command" -f -a "help" -d 'List the tools, or show one tool\'s help'
complete -c wf -n "__fish_wf_using_subcommand init" -l id -d 'Your actor id (default: the local part of your email)' -r
complete -c wf -n "__fish_wf_using_subcommand init" -l name -d 'Your display name (default: git\'s user.name)' -r
complete -c wf -n "__fish_wf_using_subcommand init" -l email -d 'Your email (default: git\'s user.email)' -r
complete -c wf -n "__fish_wf_using_subcommand init" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand init" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand init" -l bare -d 'Create a bare repository (a server) when DIR does not exist'
complete -c wf -n "__fish_wf_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand init" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand actor; and not __fish_seen_subcommand_from add update list" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand actor; and not __fish_seen_subcommand_from add update list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand actor; and not __fish_seen_subcommand_from add update list" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand actor; and not __fish_seen_subcommand_from add update list" -f -a "add" -d 'Register a new actor'
complete -c wf -n "__fish_wf_using_subcommand actor; and not __fish_seen_subcommand_from add update list" -f -a "update" -d 'Change an actor\'s roles, keys, model, operator or run configuration. An actor\'s kind never changes: register a new actor instead'
complete -c wf -n "__fish_wf_using_subcommand actor; and not __fish_seen_subcommand_from add update list" -f -a "list" -d 'List actors'
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l kind -d 'human or ai' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l name -d 'Display name (the commit author name)' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l email -d 'Email (the commit author email and signing principal)' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l pubkey -d 'Their OpenSSH public key file (repeat for several keys)' -r -F
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l role -d 'A role (repeat for several): requester, reviewer, drafter, optimizer, admin...' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l operator -d 'For AI actors: the human accountable for it' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l model -d 'For AI actors: the model or agent it runs' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l run-timeout -d 'AI actors: seconds wf-run lets the agent run before killing it (default 600)' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l run-env -d 'AI actors: an environment variable for the agent, NAME=VALUE (repeatable). It is committed to .wf/actors.toml: never put a secret here' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l add-role -d 'Add a role' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l remove-role -d 'Remove a role' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l add-key -d 'Add a public key file' -r -F
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l remove-key -d 'Remove a key (a lost or leaked one), named by its fingerprint (`SHA256:...`, as `wf-actor list` and `ssh-keygen -l` show it) or by its public key file. Commits it signed before stay valid: each is judged under the actors of its parent' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l model -d 'Set the model (AI actors)' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l operator -d 'Set the operator (AI actors): the human now accountable for it. Independence (`independent_of = ["operator"]`) is judged against the operator at each verdict' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l run-timeout -d 'AI actors: seconds wf-run lets the agent run before killing it (default 600)' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l run-env -d 'AI actors: an environment variable for the agent, NAME=VALUE (repeatable). It is committed to .wf/actors.toml: never put a secret here' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -l no-run -d 'Remove the run configuration (wf-run can no longer start this actor)'
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from list" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from list" -l json -d 'One JSON document (schema wf.actors/1)'
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from list" -l ndjson -d 'One JSON object per actor and line (schema wf.actor/1)'
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from list" -s z -d 'Print only the ids, each followed by a NUL byte'
complete -c wf -n "__fish_wf_using_subcommand actor; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand new" -l title -d 'One line saying what is to be done' -r
complete -c wf -n "__fish_wf_using_subcommand new" -l workflow -d 'The workflow to follow' -r
complete -c wf -n "__fish_wf_using_subcommand new" -l input -d 'An inline input, NAME=TEXT (repeatable)' -r
complete -c wf -n "__fish_wf_using_subcommand new" -l input-file -d 'A file input, NAME=PATH, kept at tasks/ID/in/NAME (repeatable; at most 64 MiB each)' -r
complete -c wf -n "__fish_wf_using_subcommand new" -l owner -d 'The accountable human (default: you)' -r
complete -c wf -n "__fish_wf_using_subcommand new" -l approver -d 'The human who gives the final approval (default: the owner)' -r
complete -c wf -n "__fish_wf_using_subcommand new" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand new" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand new" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand assign" -l to -d 'The actor who takes the step' -r
complete -c wf -n "__fish_wf_using_subcommand assign" -s m -l note -d 'Why (recorded with the handoff)' -r
complete -c wf -n "__fish_wf_using_subcommand assign" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand assign" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand assign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand assign" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand submit" -l name -d 'The file name for output read from stdin (default: the previous revision\'s single file name, else output.md)' -r
complete -c wf -n "__fish_wf_using_subcommand submit" -l model -d 'The model that produced or assisted this output' -r
complete -c wf -n "__fish_wf_using_subcommand submit" -l prompt-file -d 'The prompt given to the model; its sha256 is recorded' -r -F
complete -c wf -n "__fish_wf_using_subcommand submit" -s m -l note -d 'A note on this revision' -r
complete -c wf -n "__fish_wf_using_subcommand submit" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand submit" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand submit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand submit" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand run" -l name -d 'The output\'s file name (default: the previous revision\'s single file name, else output.md, or output.bin for binary output)' -r
complete -c wf -n "__fish_wf_using_subcommand run" -s m -l note -d 'A note on the revision' -r
complete -c wf -n "__fish_wf_using_subcommand run" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand run" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand run" -l prompt-only -d 'Print the prompt the agent would get and stop: nothing is run or recorded, no key needed. On a terminal, control and hidden characters are shown escaped; piped, as they are'
complete -c wf -n "__fish_wf_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand run" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand check" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand check" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand check" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand review" -s m -l message -d 'The review text' -r
complete -c wf -n "__fish_wf_using_subcommand review" -l digest -d 'Refuse unless the latest revision has this digest (what you actually read)' -r
complete -c wf -n "__fish_wf_using_subcommand review" -l revise -d 'With --accept: attach a refined revision (files, or - for stdin)' -r -F
complete -c wf -n "__fish_wf_using_subcommand review" -l name -d 'The file name for output read from stdin (default: the previous revision\'s single file name, else output.md)' -r
complete -c wf -n "__fish_wf_using_subcommand review" -l model -d 'The model that produced or assisted this output' -r
complete -c wf -n "__fish_wf_using_subcommand review" -l prompt-file -d 'The prompt given to the model; its sha256 is recorded' -r -F
complete -c wf -n "__fish_wf_using_subcommand review" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand review" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand review" -l accept -d 'Accept the revision: the review step is done'
complete -c wf -n "__fish_wf_using_subcommand review" -l request-changes -d 'Send the task back for rework'
complete -c wf -n "__fish_wf_using_subcommand review" -l comment -d 'Add a remark; nothing moves'
complete -c wf -n "__fish_wf_using_subcommand review" -l diff -d 'Show what changed since the revision last reviewed (alone: only show it): files are compared as bytes; one that is not UTF-8 is shown by its size and sha256'
complete -c wf -n "__fish_wf_using_subcommand review" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand review" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand approve" -s m -l message -d 'Why' -r
complete -c wf -n "__fish_wf_using_subcommand approve" -l digest -d 'Refuse unless the latest revision has this digest (what you actually read)' -r
complete -c wf -n "__fish_wf_using_subcommand approve" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand approve" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand approve" -l reject -d 'Reject instead of approving (needs -m)'
complete -c wf -n "__fish_wf_using_subcommand approve" -l reopen -d 'Reopen an approved task (owner only; needs -m)'
complete -c wf -n "__fish_wf_using_subcommand approve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand approve" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand show" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand show" -l json -d 'One JSON document (schema wf.task/1)'
complete -c wf -n "__fish_wf_using_subcommand show" -l ndjson -d 'The JSON document on one line (for several ids: one line each)'
complete -c wf -n "__fish_wf_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand show" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand ls" -l step -d 'Only tasks at this step' -r
complete -c wf -n "__fish_wf_using_subcommand ls" -l assignee -d 'Only tasks whose current step this actor holds' -r
complete -c wf -n "__fish_wf_using_subcommand ls" -l state -d 'Only open or only closed tasks' -r -f -a "open\t''
closed\t''"
complete -c wf -n "__fish_wf_using_subcommand ls" -l kind -d 'Only tasks at a step of this kind' -r -f -a "produce\t''
review\t''
check\t''
approve\t''"
complete -c wf -n "__fish_wf_using_subcommand ls" -l fields -d 'With --json or --ndjson: only these keys of each task, comma-separated (any key of wf.task/1). id, title, state, step, step_kind, holder, workflow, approver, owner, created_by and created_at come from the task listing without reading the task itself' -r
complete -c wf -n "__fish_wf_using_subcommand ls" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand ls" -l json -d 'One JSON document (schema wf.tasks/1)'
complete -c wf -n "__fish_wf_using_subcommand ls" -l ndjson -d 'One JSON object per line (schema wf.task/1 each), streamed'
complete -c wf -n "__fish_wf_using_subcommand ls" -s z -d 'Print only the ids, each followed by a NUL byte'
complete -c wf -n "__fish_wf_using_subcommand ls" -l overdue -d 'Only open tasks past their step\'s due date, most late first'
complete -c wf -n "__fish_wf_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand ls" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand log" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand log" -l json -d 'One JSON document (schema wf.log/1)'
complete -c wf -n "__fish_wf_using_subcommand log" -l ndjson -d 'One JSON object per event and line (schema wf.event/1), streamed'
complete -c wf -n "__fish_wf_using_subcommand log" -s p -l patch -d 'Show each commit\'s patch'
complete -c wf -n "__fish_wf_using_subcommand log" -l superseded -d 'The actions this clone made that `wf sync` superseded (kept under refs/wf/superseded/), instead of the branch\'s history'
complete -c wf -n "__fish_wf_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand log" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand graph" -l task -d 'Draw this task (id or unique prefix) on its workflow' -r
complete -c wf -n "__fish_wf_using_subcommand graph" -s f -l format -d 'dot (Graphviz) or mermaid' -r -f -a "dot\t''
mermaid\t''"
complete -c wf -n "__fish_wf_using_subcommand graph" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand graph" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand graph" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand stats" -l since -d 'Only history at or after DATE (2026-11-01, 2026-11-01T09:00:00Z, @SECONDS)' -r
complete -c wf -n "__fish_wf_using_subcommand stats" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand stats" -l json -d 'One JSON document (schema wf.stats/1)'
complete -c wf -n "__fish_wf_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand stats" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand board" -s o -l output -d 'The folder to write the site into. An earlier board there is replaced; any other folder that is not empty is left alone (exit 5)' -r -F
complete -c wf -n "__fish_wf_using_subcommand board" -l commit-url -d 'Also link every commit id to this address, {commit} replaced by the full commit id (a forge\'s commit page)' -r
complete -c wf -n "__fish_wf_using_subcommand board" -s j -l jobs -d 'Threads for the verifier (default: all cores)' -r
complete -c wf -n "__fish_wf_using_subcommand board" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand board" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand board" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand sync" -l key -d 'A key that may sign replayed actions (repeatable): it signs the actions of the actor it is registered to. Also used: $WF_SIGNING_KEY, git\'s user.signingkey and `git config wf.key.ACTOR PATH`' -r
complete -c wf -n "__fish_wf_using_subcommand sync" -l merge-driver -d 'Run as git\'s merge driver for task files: BASE OURS THEIRS PATH (%O %A %B %P). wf-init configures it' -r -F
complete -c wf -n "__fish_wf_using_subcommand sync" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand sync" -l dry-run -d 'Show what would be published, superseded and renamed; change nothing, push nothing'
complete -c wf -n "__fish_wf_using_subcommand sync" -l json -d 'One JSON document (schema wf.sync/1)'
complete -c wf -n "__fish_wf_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand sync" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand policy; and not __fish_seen_subcommand_from show set endorse withdraw" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand policy; and not __fish_seen_subcommand_from show set endorse withdraw" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand policy; and not __fish_seen_subcommand_from show set endorse withdraw" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand policy; and not __fish_seen_subcommand_from show set endorse withdraw" -f -a "show" -d 'The admin quorum, the workflows and the pending proposals; with a proposal id, that proposal and what it changes: a unified diff of each file it proposes against the file at HEAD, the exact text an endorsement signs'
complete -c wf -n "__fish_wf_using_subcommand policy; and not __fish_seen_subcommand_from show set endorse withdraw" -f -a "set" -d 'Change workflows or the admin quorum: applied at once when one admin suffices, else proposed'
complete -c wf -n "__fish_wf_using_subcommand policy; and not __fish_seen_subcommand_from show set endorse withdraw" -f -a "endorse" -d 'Sign a pending proposal; the signature that completes the quorum applies it. Read what it changes first: `wf-policy show ID`'
complete -c wf -n "__fish_wf_using_subcommand policy; and not __fish_seen_subcommand_from show set endorse withdraw" -f -a "withdraw" -d 'Drop a pending proposal'
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from show" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from show" -l json -d 'One JSON document (schema wf.policy/1); each proposal carries its diff'
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from set" -l workflow -d 'A workflow file (TOML, see spec/workflow.md); its `name` picks .wf/workflows/NAME.toml. Repeatable' -r -F
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from set" -l admins-required -d 'How many distinct human admins must sign a change to .wf/' -r
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from set" -s m -l message -d 'Why' -r
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from set" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from set" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from endorse" -s m -l message -d 'Why' -r
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from endorse" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from endorse" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from endorse" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from withdraw" -s m -l message -d 'Why' -r
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from withdraw" -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from withdraw" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand policy; and __fish_seen_subcommand_from withdraw" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand verify" -l base -d 'Verify BASE..HEAD (or BASE..RANGE) and report the approvals it carries: a pull request\'s check' -r
complete -c wf -n "__fish_wf_using_subcommand verify" -s j -l jobs -d 'Cores to judge on (default: all): threads, or for a long range (8,192 commits or more to judge) as many worker processes at a time, which share no lock of libgit2\'s pack reading, each over a slice of at most 4,096 commits (WF_VERIFY_SLICE=N), so that a worker\'s heap and caches follow its slice; a whole history is then listed by a child process too. Each thread opens the repository again every 512 commits in a worker, every 2,048 in this process (WF_VERIFY_RENEW=N), which lets libgit2 unmap the pack pages it read. WF_VERIFY_PROCESSES=always|never overrides the choice' -r
complete -c wf -n "__fish_wf_using_subcommand verify" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand verify" -l approvals -d 'List the approvals found in the range, valid or not'
complete -c wf -n "__fish_wf_using_subcommand verify" -l json -d 'One JSON document (schema wf.verify/1)'
complete -c wf -n "__fish_wf_using_subcommand verify" -l ndjson -d 'One JSON object per commit, then a summary object (schema wf.verify/1, ndjson form)'
complete -c wf -n "__fish_wf_using_subcommand verify" -l no-cache -d 'Judge every commit again, ignoring and not updating the cache of clean commits'
complete -c wf -n "__fish_wf_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand verify" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand hook; and not __fish_seen_subcommand_from install run" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand hook; and not __fish_seen_subcommand_from install run" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand hook; and not __fish_seen_subcommand_from install run" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand hook; and not __fish_seen_subcommand_from install run" -f -a "install" -d 'Write the hooks: pre-receive and post-receive in a bare repository, pre-push in a clone. Installing again is a no-op; a hook that is not wf\'s is kept unless --force (which moves it to NAME.wf-old)'
complete -c wf -n "__fish_wf_using_subcommand hook; and not __fish_seen_subcommand_from install run" -f -a "run" -d 'Run a hook (git calls this; it reads the ref updates on stdin)'
complete -c wf -n "__fish_wf_using_subcommand hook; and __fish_seen_subcommand_from install" -l protect -d 'Protect this branch too (stored in git config wf.protect; refs/heads/main and the branch HEAD names are always protected)' -r
complete -c wf -n "__fish_wf_using_subcommand hook; and __fish_seen_subcommand_from install" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand hook; and __fish_seen_subcommand_from install" -l force -d 'Replace hooks that are not wf\'s'
complete -c wf -n "__fish_wf_using_subcommand hook; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand hook; and __fish_seen_subcommand_from run" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand hook; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c wf -n "__fish_wf_using_subcommand attest" -s o -l output -d 'Write the envelopes to FILE instead of stdout (written only when every task was attested)' -r -F
complete -c wf -n "__fish_wf_using_subcommand attest" -l verify -d 'Check the envelopes in FILE (- for stdin) instead of making any' -r -F
complete -c wf -n "__fish_wf_using_subcommand attest" -l pubkey -d 'With --verify: the OpenSSH public key (a .pub file) that must have signed each envelope' -r -F
complete -c wf -n "__fish_wf_using_subcommand attest" -l store -d 'With --verify: check every claim against the wf store in DIR, at its HEAD' -r -F
complete -c wf -n "__fish_wf_using_subcommand attest" -l key -d 'The key that signs: an unencrypted ed25519 private key file (the CI\'s or the server\'s; it need not be an actor\'s). Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey' -r
complete -c wf -n "__fish_wf_using_subcommand attest" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand attest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand attest" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand repair" -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf -n "__fish_wf_using_subcommand repair" -s n -l dry-run -d 'Say what would be done; change nothing'
complete -c wf -n "__fish_wf_using_subcommand repair" -l restore -d 'Overwrite the paths under tasks/ and .wf/ that differ from the branch tip (your edits to them are lost); untracked files are only reported'
complete -c wf -n "__fish_wf_using_subcommand repair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf -n "__fish_wf_using_subcommand repair" -s V -l version -d 'Print version'
complete -c wf -n "__fish_wf_using_subcommand help" -s h -l help -d 'Print help'
