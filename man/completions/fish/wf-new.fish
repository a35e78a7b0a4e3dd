complete -c wf-new -l title -d 'One line saying what is to be done' -r
complete -c wf-new -l workflow -d 'The workflow to follow' -r
complete -c wf-new -l input -d 'An inline input, NAME=TEXT (repeatable)' -r
complete -c wf-new -l input-file -d 'A file input, NAME=PATH, kept at tasks/ID/in/NAME (repeatable; at most 64 MiB each)' -r
complete -c wf-new -l owner -d 'The accountable human (default: you)' -r
complete -c wf-new -l approver -d 'The human who gives the final approval (default: the owner)' -r
complete -c wf-new -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-new -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-new -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-new -s V -l version -d 'Print version'
