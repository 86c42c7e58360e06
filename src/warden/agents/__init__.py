"""Remote probe agents: assignment by location, result push, quorum on the server side."""
