"""Wrong refusal(member, command) answers (exercise 08, the permission check)."""


def never(member, command):
    """Lets everyone run everything."""
    return None


def kick_only(member, command):
    """Only knows about /kick, so members can still /ban."""
    if command.name == "kick" and not member.admin:
        return "/kick is for admins only"
    if command.speaks and member.muted:
        return "you are muted"
    return None


def members_refused_everything(member, command):
    """Refuses every command to anyone who is not an admin."""
    if not member.admin:
        return f"/{command.name} is for admins only"
    return None


def ignores_mute(member, command):
    """Forgets muted members."""
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    return None


def mute_silences_everything(member, command):
    """Refuses muted members every command, even /who."""
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    if member.muted:
        return "you are muted"
    return None


def returns_bool(member, command):
    """Answers True or False instead of a reason or None."""
    return command.admin and not member.admin


def wrong_role(member, command):
    """Refuses admin commands to admins and allows them to members."""
    if command.admin and member.admin:
        return f"/{command.name} is for members only"
    if command.speaks and member.muted:
        return "you are muted"
    return None


CAUGHT = {
    "never": ("failed", "may not run /kick, but refusal allowed it", "command.admin and not member.admin"),
    "kick_only": ("failed", "may not run /ban, but refusal allowed it", "not the command's name"),
    "members_refused_everything": ("failed", "may run /who, but refusal refused it", "for everyone"),
    "ignores_mute": ("failed", "may not run /me, but refusal allowed it", "command.speaks and member.muted"),
    "mute_silences_everything": ("failed", "may run /who, but refusal refused it", "only stops speaking"),
    "returns_bool": ("failed", "may not run /kick, but refusal allowed it", "command.admin and not member.admin"),
    "wrong_role": ("failed", "may not run /kick, but refusal allowed it", "command.admin and not member.admin"),
}


def right_one_expression(member, command):
    """Right, written differently: one conditional expression per rule."""
    admin_only = command.admin and not member.admin
    silenced = command.speaks and member.muted
    return (f"/{command.name} is for admins only" if admin_only
            else "you are muted" if silenced else None)


RIGHT = ["right_one_expression"]
