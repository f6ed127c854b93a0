"""Support shared by the tests of every package: worlds, servers, browsers, processes."""
