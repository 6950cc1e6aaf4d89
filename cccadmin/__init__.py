"""cccadmin: an admin dashboard for Alibaba Cloud Contact Center phone numbers."""

__version__ = "0.1.0"
