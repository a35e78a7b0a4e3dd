complete -c wf-run -l name -d 'The output\'s file name (default: the previous revision\'s single file name, else output.md, or output.bin for binary output)' -r
complete -c wf-run -s m -l note -d 'A note on the revision' -r
complete -c wf-run -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-run -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-run -l prompt-only -d 'Print the prompt the agent would get and stop: nothing is run or recorded, no key needed. On a terminal, control and hidden characters are shown escaped; piped, as they are'
complete -c wf-run -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-run -s V -l version -d 'Print version'
