"""Business rules. Views, admin actions and tasks call these and nothing deeper."""
