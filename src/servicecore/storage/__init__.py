"""Storage adapters. They import the domain; the domain never imports them."""
