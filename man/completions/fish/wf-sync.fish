complete -c wf-sync -l key -d 'A key that may sign replayed actions (repeatable): it signs the actions of the actor it is registered to. Also used: $WF_SIGNING_KEY, git\'s user.signingkey and `git config wf.key.ACTOR PATH`' -r
complete -c wf-sync -l merge-driver -d 'Run as git\'s merge driver for task files: BASE OURS THEIRS PATH (%O %A %B %P). wf-init configures it' -r -F
complete -c wf-sync -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-sync -l dry-run -d 'Show what would be published, superseded and renamed; change nothing, push nothing'
complete -c wf-sync -l json -d 'One JSON document (schema wf.sync/1)'
complete -c wf-sync -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-sync -s V -l version -d 'Print version'
