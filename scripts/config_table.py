"""Print README's configuration table from `zhengwu.config.env` (paste it into README.md)."""

from zhengwu.config import env


def main() -> None:
    print("| variable | default | meaning |")
    print("|---|---|---|")
    for var in env.VARIABLES.values():
        default = f"`{var.default}`" if var.default else "(empty)"
        print(f"| `{var.name}` | {default} | {var.description} |")


if __name__ == "__main__":
    main()
