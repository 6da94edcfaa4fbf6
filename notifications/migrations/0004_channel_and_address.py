"""Notifications by channel: each row says its channel, and its address on that channel."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_sending_lease")]

    operations = [
        migrations.RenameField("notification", "to_email", "address"),
        migrations.AlterField(
            model_name="notification",
            name="address",
            field=models.CharField(blank=True, max_length=254, verbose_name="to"),
        ),
        migrations.AddField(
            model_name="notification",
            name="channel",
            field=models.CharField(default="email", max_length=16, verbose_name="channel"),
        ),
    ]
