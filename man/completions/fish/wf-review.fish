complete -c wf-review -s m -l message -d 'The review text' -r
complete -c wf-review -l digest -d 'Refuse unless the latest revision has this digest (what you actually read)' -r
complete -c wf-review -l revise -d 'With --accept: attach a refined revision (files, or - for stdin)' -r -F
complete -c wf-review -l name -d 'The file name for output read from stdin (default: the previous revision\'s single file name, else output.md)' -r
complete -c wf-review -l model -d 'The model that produced or assisted this output' -r
complete -c wf-review -l prompt-file -d 'The prompt given to the model; its sha256 is recorded' -r -F
complete -c wf-review -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-review -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-review -l accept -d 'Accept the revision: the review step is done'
complete -c wf-review -l request-changes -d 'Send the task back for rework'
complete -c wf-review -l comment -d 'Add a remark; nothing moves'
complete -c wf-review -l diff -d 'Show what changed since the revision last reviewed (alone: only show it): files are compared as bytes; one that is not UTF-8 is shown by its size and sha256'
complete -c wf-review -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-review -s V -l version -d 'Print version'
