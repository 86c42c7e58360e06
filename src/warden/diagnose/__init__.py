"""``warden diagnose``: why a monitor got slow or started failing, from stored data: change
points, correlated changes elsewhere, deploys, audit findings and load, ranked."""
