complete -c wf-attest -s o -l output -d 'Write the envelopes to FILE instead of stdout (written only when every task was attested)' -r -F
complete -c wf-attest -l verify -d 'Check the envelopes in FILE (- for stdin) instead of making any' -r -F
complete -c wf-attest -l pubkey -d 'With --verify: the OpenSSH public key (a .pub file) that must have signed each envelope' -r -F
complete -c wf-attest -l store -d 'With --verify: check every claim against the wf store in DIR, at its HEAD' -r -F
complete -c wf-attest -l key -d 'The key that signs: an unencrypted ed25519 private key file (the CI\'s or the server\'s; it need not be an actor\'s). Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey' -r
complete -c wf-attest -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-attest -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-attest -s V -l version -d 'Print version'
