"""Deploy safety: deploy markers, freeze windows, the canary judge and the post-deploy watch
that rolls a bad version back by itself."""
