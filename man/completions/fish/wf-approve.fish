complete -c wf-approve -s m -l message -d 'Why' -r
complete -c wf-approve -l digest -d 'Refuse unless the latest revision has this digest (what you actually read)' -r
complete -c wf-approve -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-approve -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-approve -l reject -d 'Reject instead of approving (needs -m)'
complete -c wf-approve -l reopen -d 'Reopen an approved task (owner only; needs -m)'
complete -c wf-approve -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-approve -s V -l version -d 'Print version'
