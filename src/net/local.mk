# vswitchd, vswitchctl and the switch core.
