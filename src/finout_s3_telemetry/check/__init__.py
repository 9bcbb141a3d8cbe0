"""The post-deploy checker: proves the live account matches the config."""
